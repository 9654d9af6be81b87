import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../auth/principal.js';
import { SipTrunk, TrunkHealth, trunkPasswordContext, User, type SipCodec } from '../../db/entities/index.js';
import { ConflictError, ValidationError, type FieldError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { SecretBoxError, type SecretBox } from '../../lib/secret-box.js';
import type { TelephonyEngine } from '../../telephony/engine.js';
import { assertNotUsedByActiveCampaign } from '../campaigns/campaign-usage.js';
import { newestFirstPage } from '../keyset-cursor.js';
import { changeableBy, ownerFilter, readableBy, type Access } from '../ownership.js';
import { removeFallbackTrunk } from '../../db/campaigns.js';
import { toTrunkConfig } from '../../db/trunk-config.js';
import { TrunkNetworks } from '../../lib/trunk-networks.js';
import { hostOrError } from './trunk-validation.js';
import type {
  CreateTrunkRequest,
  TrunkHealthView,
  TrunkPage,
  TrunkTestResult,
  TrunkView,
  UpdateTrunkRequest,
} from './trunks.dto.js';

export const TRUNK_DEFAULTS = {
  port: 5060,
  transport: 'udp',
  register: false,
  registerExpiresSeconds: 3600,
  maxConcurrentCalls: 10,
  maxCallsPerSecond: 5,
  codecs: ['PCMU', 'PCMA'] as SipCodec[],
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A trunk no failure was counted for. */
const HEALTHY: TrunkHealthView = {
  state: 'up',
  consecutiveFailures: 0,
  downUntil: null,
  lastFailure: null,
  lastProbe: null,
};

function healthView(h: TrunkHealth | undefined, now: Date): TrunkHealthView {
  if (!h) return HEALTHY;
  const down = h.downUntil !== null && h.downUntil !== undefined && h.downUntil > now;
  return {
    state: down ? 'down' : 'up',
    consecutiveFailures: h.consecutiveFailures,
    downUntil: down ? h.downUntil! : null,
    lastFailure: h.lastFailureAt ? { at: h.lastFailureAt, reason: h.lastFailure ?? '' } : null,
    lastProbe: h.lastProbeAt ? { at: h.lastProbeAt, result: h.lastProbe ?? '' } : null,
  };
}

/** The views with each trunk's circuit breaker (trunk_health; activities/trunk-breaker.ts). */
async function withHealth(em: EntityManager, views: TrunkView[]): Promise<TrunkView[]> {
  if (views.length === 0) return views;
  const rows = await em.fork().find(TrunkHealth, { trunk: { $in: views.map((v) => v.id) } });
  const byTrunk = new Map(rows.map((r) => [r.trunk.id, r]));
  const now = new Date();
  return views.map((v) => ({ ...v, health: healthView(byTrunk.get(v.id), now) }));
}

export const toTrunkView = (t: SipTrunk): TrunkView => ({
  id: t.id,
  ownerId: t.owner.id,
  shared: t.departmentId !== null && t.departmentId !== undefined,
  name: t.name,
  host: t.host,
  port: t.port,
  transport: t.transport,
  username: t.username ?? null,
  hasPassword: Boolean(t.passwordSealed),
  authUsername: t.authUsername ?? null,
  realm: t.realm ?? null,
  outboundProxy:
    t.outboundProxyHost && t.outboundProxyPort ? { host: t.outboundProxyHost, port: t.outboundProxyPort } : null,
  callerIdNumber: t.callerIdNumber,
  callerIdName: t.callerIdName ?? null,
  register: t.register,
  registerExpiresSeconds: t.registerExpiresSeconds,
  maxConcurrentCalls: t.maxConcurrentCalls,
  maxCallsPerSecond: t.maxCallsPerSecond,
  codecs: [...t.codecs],
  health: HEALTHY,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

/** The trunk test, as the service needs it from the telephony engine. */
export type TrunkProber = Pick<TelephonyEngine, 'probe'>;

/**
 * A trunk test's one error when no SIP answer came. A closed port, a filtered one and one
 * where something else listens must look the same (and take the same time), or the trunk
 * test is a port scanner of the API's network (F2).
 */
export const NO_SIP_ANSWER = 'no SIP answer from the trunk (nothing answered, or not SIP) before the deadline';

/**
 * SIP trunks of their owners (admins see all). Passwords are sealed with the configured
 * keys before they reach the database and opened only to hand the trunk to the telephony
 * engine; they appear in no response, log line or error.
 */
export class TrunksService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: SecretBox,
    private readonly prober: TrunkProber,
    private readonly testTimeoutMs: number,
    private readonly logger: Logger,
    private readonly networks: TrunkNetworks = new TrunkNetworks(),
  ) {}

  async list(principal: Principal, limit: number, after?: string): Promise<TrunkPage> {
    const page = await newestFirstPage(this.em, SipTrunk, ownerFilter(principal), { limit, after }, toTrunkView);
    return { ...page, items: await withHealth(this.em, page.items) };
  }

  async get(principal: Principal, id: string): Promise<TrunkView> {
    return this.view(toTrunkView(await this.find(this.em.fork(), principal, id, 'read')));
  }

  private async view(trunk: TrunkView): Promise<TrunkView> {
    const [view] = await withHealth(this.em, [trunk]);
    return view;
  }

  async create(principal: Principal, body: CreateTrunkRequest): Promise<TrunkView> {
    const em = this.em.fork();
    const id = randomUUID(); // known before the insert: the sealed password is bound to it
    const trunk = em.create(SipTrunk, {
      id,
      owner: em.getReference(User, principal.userId),
      name: body.name,
      host: body.host,
      port: body.port ?? TRUNK_DEFAULTS.port,
      transport: body.transport ?? TRUNK_DEFAULTS.transport,
      username: null,
      passwordSealed: body.password ? this.secrets.seal(body.password, trunkPasswordContext(id)) : null,
      authUsername: null,
      realm: null,
      outboundProxyHost: null,
      outboundProxyPort: null,
      callerIdNumber: body.callerIdNumber,
      callerIdName: null,
      register: body.register ?? TRUNK_DEFAULTS.register,
      registerExpiresSeconds: body.registerExpiresSeconds ?? TRUNK_DEFAULTS.registerExpiresSeconds,
      maxConcurrentCalls: body.maxConcurrentCalls ?? TRUNK_DEFAULTS.maxConcurrentCalls,
      maxCallsPerSecond: body.maxCallsPerSecond ?? TRUNK_DEFAULTS.maxCallsPerSecond,
      codecs: body.codecs ?? [...TRUNK_DEFAULTS.codecs],
    });
    applyOptional(trunk, body);
    await this.flush(em, trunk);
    return toTrunkView(trunk);
  }

  async update(principal: Principal, id: string, body: UpdateTrunkRequest): Promise<TrunkView> {
    const em = this.em.fork();
    const trunk = await this.find(em, principal, id);
    const before = destinationOf(trunk);
    const mustRepeatPassword = trunk.passwordSealed !== null && body.password === undefined;
    for (const key of REQUIRED_KEYS) {
      if (body[key] !== undefined) Object.assign(trunk, { [key]: body[key] });
    }
    applyOptional(trunk, body);
    if (body.password === null) trunk.passwordSealed = null;
    else if (body.password !== undefined)
      trunk.passwordSealed = this.secrets.seal(body.password, trunkPasswordContext(id));
    else this.reseal(trunk);
    await this.flush(em, trunk, () => (mustRepeatPassword ? repointProblems(before, destinationOf(trunk)) : []));
    return this.view(toTrunkView(trunk));
  }

  /** 409 while a running or paused campaign calls through it. */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const trunk = await this.find(em, principal, id);
      await assertNotUsedByActiveCampaign(em, 'trunk', trunk.id, `Trunk ${id}`, principal);
      // Out of every campaign's trunk group too (`trunk_id` goes null by its foreign key).
      await removeFallbackTrunk(em, trunk.id);
      em.remove(trunk);
    });
  }

  /** OPTIONS (and REGISTER) through the telephony engine; bounded by TRUNK_TEST_TIMEOUT_SECONDS. */
  async test(principal: Principal, id: string): Promise<TrunkTestResult> {
    const trunk = await this.find(this.em.fork(), principal, id);
    const deadline = performance.now() + this.testTimeoutMs;
    const { refused, ...result } = await this.prober.probe(toTrunkConfig(trunk, this.secrets), {
      timeoutMs: this.testTimeoutMs,
    });
    this.logger.info({ trunkId: trunk.id, result }, 'trunk tested');
    if (result.reachable || refused) return result;
    // No SIP answer: the same words after the same time, whatever the port did.
    await setTimeout(Math.max(0, deadline - performance.now()));
    return { ...result, error: NO_SIP_ANSWER };
  }

  /** Rotation: a password sealed with an older key is sealed again with the current one. */
  private reseal(trunk: SipTrunk): void {
    const sealed = trunk.passwordSealed;
    if (!sealed || this.secrets.isCurrent(sealed)) return;
    const context = trunkPasswordContext(trunk.id);
    try {
      trunk.passwordSealed = this.secrets.seal(this.secrets.open(sealed, context), context);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      // Left as it is: the update goes through; the password must be set again to be usable.
      this.logger.warn({ trunkId: trunk.id, error: err.message }, 'trunk password cannot be re-sealed');
    }
  }

  private async find(
    em: EntityManager,
    principal: Principal,
    id: string,
    access: Access = 'change',
  ): Promise<SipTrunk> {
    const trunk = UUID.test(id) ? await em.findOne(SipTrunk, { id }) : null;
    return (access === 'read' ? readableBy : changeableBy)(principal, trunk, `Trunk ${id}`);
  }

  /** `check` runs after the hosts are normalised, for problems that compare them. */
  private async flush(em: EntityManager, trunk: SipTrunk, check?: () => FieldError[]): Promise<void> {
    const errors = normalizeHosts(trunk);
    if (errors.length === 0) errors.push(...networkErrors(trunk, this.networks), ...(check?.() ?? []));
    if (errors.length > 0) throw new ValidationError(errors);
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`You already have a trunk named ${JSON.stringify(trunk.name)}.`, [
          { field: 'body.name', message: 'already in use' },
        ]);
      }
      throw err;
    }
  }
}

/** Fields that are always present on a trunk; PATCH changes each one given. */
const REQUIRED_KEYS = [
  'name',
  'host',
  'port',
  'transport',
  'callerIdNumber',
  'register',
  'registerExpiresSeconds',
  'maxConcurrentCalls',
  'maxCallsPerSecond',
  'codecs',
] as const;

type Destination = Record<'host' | 'port' | 'outboundProxy' | 'realm', string | number | null>;

/** Where the trunk's digest goes: host and port, the outbound proxy, and the realm it answers. */
const destinationOf = (t: SipTrunk): Destination => ({
  host: t.host,
  port: t.port,
  outboundProxy: t.outboundProxyHost ? `${t.outboundProxyHost}:${t.outboundProxyPort ?? ''}` : null,
  realm: t.realm ?? null,
});

/**
 * F22: whoever may change a trunk's destination without knowing its password could point it
 * at their own server and crack the digest of that server's challenge offline (a trunk test
 * answers it). So a stored password must be given again with such a change.
 */
function repointProblems(before: Destination, after: Destination): FieldError[] {
  const changed = (Object.keys(before) as (keyof Destination)[]).filter((key) => before[key] !== after[key]);
  if (changed.length === 0) return [];
  return [
    {
      field: 'body.password',
      message: `required when changing ${changed.join(', ')}: the trunk's password goes to the new destination`,
    },
  ];
}

/** The nullable fields: absent keeps, `null` clears, a value sets. */
function applyOptional(trunk: SipTrunk, body: UpdateTrunkRequest): void {
  if (body.username !== undefined) trunk.username = body.username;
  if (body.authUsername !== undefined) trunk.authUsername = body.authUsername;
  if (body.realm !== undefined) trunk.realm = body.realm;
  if (body.callerIdName !== undefined) trunk.callerIdName = body.callerIdName;
  if (body.outboundProxy !== undefined) {
    trunk.outboundProxyHost = body.outboundProxy?.host ?? null;
    trunk.outboundProxyPort = body.outboundProxy?.port ?? null;
  }
}

/**
 * An IP literal host or proxy the trunk network policy refuses (a name is checked on each
 * address it resolves to, at each use). A refused port (the stack's own service) is named
 * as the port.
 */
function networkErrors(trunk: SipTrunk, networks: TrunkNetworks): FieldError[] {
  const errors: FieldError[] = [];
  const check = (host: string, port: number, hostField: string, portField: string) => {
    const hostRefusal = networks.literalRefusal(host);
    const portRefusal = hostRefusal ? undefined : networks.literalRefusal(host, port);
    if (hostRefusal) errors.push({ field: hostField, message: `refused: ${hostRefusal}` });
    if (portRefusal) errors.push({ field: portField, message: `refused: ${portRefusal}` });
  };
  check(trunk.host, trunk.port, 'body.host', 'body.port');
  if (trunk.outboundProxyHost && trunk.outboundProxyPort) {
    check(trunk.outboundProxyHost, trunk.outboundProxyPort, 'body.outboundProxy.host', 'body.outboundProxy.port');
  }
  return errors;
}

/** Checks and normalises both host fields in place; returns what is wrong. */
function normalizeHosts(trunk: SipTrunk): FieldError[] {
  const errors: FieldError[] = [];
  const host = hostOrError(trunk.host, 'body.host');
  if ('error' in host) errors.push(host.error);
  else trunk.host = host.host;
  if (trunk.outboundProxyHost !== null && trunk.outboundProxyHost !== undefined) {
    const proxy = hostOrError(trunk.outboundProxyHost, 'body.outboundProxy.host');
    if ('error' in proxy) errors.push(proxy.error);
    else trunk.outboundProxyHost = proxy.host;
  }
  return errors;
}
