/**
 * One sip.js `UserAgent` per trunk, created on first use and reused across calls: its own
 * transport (UDP socket or TCP connection to the trunk), digest credentials, and — when the
 * trunk asks for it — a `Registerer` that REGISTERs and refreshes before expiry (sip.js
 * re-registers at 90 % of the granted expiry). A trunk whose configuration changed gets a
 * fresh user agent.
 */
import { randomBytes } from 'node:crypto';
import { Registerer, RegistererState, UserAgent, type UserAgentOptions } from 'sip.js';
import type { Logger } from '../lib/logger.js';
import type { TrunkConfig } from './call-types.js';
import { checkedHop, type AddressPolicy } from './sip/address-policy.js';
import { sipHost, type HostPort } from './sip/addressing.js';
import { installFastGrammar } from './sip/fast-grammar.js';
import { answerOnlyRealm, realmRefusal } from './sip/realm.js';
import type { SipGuardStats } from './sip/request-guard.js';
import { sipLogConnector } from './sip/sip-log.js';
import { checkTrunkText, displayNameContent } from './sip/sip-text.js';
import { RtpDescriptionHandler, type MediaSettings } from './sip/rtp-description-handler.js';
import { TcpTransport } from './sip/tcp-transport.js';
import { SipTransportBase, type SipTransportOptions } from './sip/transport-base.js';
import { isUnspecified } from './sip/route-source.js';
import { UdpTransport } from './sip/udp-transport.js';
import { SipError } from './telephony-error.js';

export interface SignallingSettings {
  /** Local address for SIP sockets. */
  readonly bindAddress: string;
  /** Address peers should use for us (NAT); default the bound address. */
  readonly publicAddress?: string;
  /** UDP ports for the trunks' SIP sockets (one per trunk); default: any free port. */
  readonly udpPorts?: { readonly min: number; readonly max: number };
  readonly userAgentString: string;
  readonly onTrace?: SipTransportOptions['onTrace'];
  /** Counts what the transports drop or answer themselves (sip/request-guard.ts). */
  readonly guardStats?: SipGuardStats;
  /** Where SIP may go: every address of a trunk's next hop is checked before its user agent is made. */
  readonly addressPolicy?: AddressPolicy;
}

interface Entry {
  readonly key: string;
  readonly userAgent: UserAgent;
  readonly registerer?: Registerer;
  readonly ready: Promise<void>;
  /** Keeps the registration alive after the first one (see {@link RegistrationKeeper}). */
  readonly keeper?: RegistrationKeeper;
}

/** Back-off between attempts to win back a lost registration. */
export interface RegisterRetry {
  readonly firstMs: number;
  readonly maxMs: number;
}

/** 5 s, 10 s, 20 s, 40 s, then every 60 s until the registrar takes us back. */
export const DEFAULT_REGISTER_RETRY: RegisterRetry = { firstMs: 5000, maxMs: 60_000 };

// Every user agent (ours and the trunk probe's) gets its options here: parse SIP with the
// hand-written parser first, sip.js's grammar for the rest (see sip/fast-grammar.ts).
installFastGrammar();

export class UserAgents {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly signalling: SignallingSettings,
    private readonly media: Omit<MediaSettings, 'codecs'>,
    private readonly logger?: Logger,
    private readonly registerRetry: RegisterRetry = DEFAULT_REGISTER_RETRY,
  ) {}

  /** The connected (and, if asked, registered) user agent for a trunk. */
  async get(trunk: TrunkConfig): Promise<UserAgent> {
    const key = JSON.stringify(trunk);
    const existing = this.entries.get(trunk.id);
    if (existing && existing.key === key) {
      await existing.ready;
      if (existing.userAgent.isConnected()) return existing.userAgent;
      await existing.userAgent.reconnect();
      // Over TCP the registrar ties our binding to the connection that just died.
      existing.keeper?.renew('transport reconnected');
      return existing.userAgent;
    }
    if (existing) await this.remove(trunk.id);
    const entry = this.create(trunk, key, await checkedNextHop(trunk, this.signalling));
    this.entries.set(trunk.id, entry);
    try {
      await entry.ready;
    } catch (err) {
      await this.remove(trunk.id);
      throw err;
    }
    return entry.userAgent;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.remove(id)));
  }

  private create(trunk: TrunkConfig, key: string, nextHop: HostPort): Entry {
    const media: MediaSettings = { ...this.media, codecs: trunk.codecs ?? ['PCMU', 'PCMA'] };
    const userAgent = trunkUserAgent(trunk, this.signalling, media, this.logger, {}, nextHop);
    const registerer = trunk.register
      ? new Registerer(userAgent, { expires: trunk.registerExpiresSeconds ?? 3600, refreshFrequency: 90 })
      : undefined;
    const keeper = registerer
      ? new RegistrationKeeper(registerer, trunk.realm, this.registerRetry, this.logger?.child({ trunkId: trunk.id }))
      : undefined;
    const ready = (async () => {
      await userAgent.start();
      if (registerer) await register(registerer, trunk.realm);
      keeper?.watch();
    })();
    return { key, userAgent, ready, ...(registerer ? { registerer, keeper } : {}) };
  }

  private async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.keeper?.stop();
    await entry.ready.catch(() => undefined);
    // Only a live binding is worth an un-REGISTER (sip.js would otherwise wait out timer F on a dead registrar).
    if (entry.registerer?.state === RegistererState.Registered) await unregister(entry.registerer);
    await entry.userAgent.stop().catch(() => undefined);
  }
}

/**
 * Where a trunk's SIP goes (its outbound proxy, else its host), resolved and checked against
 * the address policy: the address the transport is to use. Rejects with an
 * `AddressRefusedError` when the policy refuses any address of it.
 */
export function checkedNextHop(trunk: TrunkConfig, signalling: SignallingSettings): Promise<HostPort> {
  return checkedHop(trunk.outboundProxy ?? { host: trunk.host, port: trunk.port }, signalling.addressPolicy);
}

/**
 * A trunk's user agent (not started): the options below, and credentials restricted to the
 * trunk's realm when it has one. The long-lived agents and the throw-away probe agent are
 * both made here; `overrides` adjusts sip.js options for the latter. `nextHop`: the checked
 * address from {@link checkedNextHop} (URIs keep the trunk's host).
 */
export function trunkUserAgent(
  trunk: TrunkConfig,
  signalling: SignallingSettings,
  media: MediaSettings | undefined,
  logger?: Logger,
  overrides: Partial<UserAgentOptions> = {},
  nextHop?: HostPort,
): UserAgent {
  const userAgent = new UserAgent({ ...userAgentOptions(trunk, signalling, media, logger, nextHop), ...overrides });
  if (trunk.realm !== undefined) answerOnlyRealm(userAgent, trunk.realm);
  return userAgent;
}

/**
 * The sip.js options for a trunk's user agent: its own transport towards the trunk (or its
 * outbound proxy), the digest credentials, and — when `media` is given — our RTP session
 * description handler.
 */
function userAgentOptions(
  trunk: TrunkConfig,
  signalling: SignallingSettings,
  media: MediaSettings | undefined,
  logger?: Logger,
  nextHop: HostPort = trunk.outboundProxy ?? { host: trunk.host, port: trunk.port },
): UserAgentOptions {
  checkTrunkText(trunk); // no CR/LF/NUL into a header, whatever the database holds
  const placeholder = `vc-${randomBytes(6).toString('hex')}.invalid`;
  const contactName = randomBytes(6).toString('hex');
  const user = trunk.username ?? trunk.callerId.number;
  const transportOptions: SipTransportOptions = {
    nextHop,
    bindAddress: signalling.bindAddress,
    bindPort: 0,
    ...(signalling.udpPorts && trunk.transport === 'udp' ? { bindPorts: signalling.udpPorts } : {}),
    placeholder,
    ...(signalling.publicAddress ? { publicAddress: signalling.publicAddress } : {}),
    ...(logger ? { logger } : {}),
    ...(signalling.onTrace ? { onTrace: signalling.onTrace } : {}),
    ...(signalling.guardStats ? { guardStats: signalling.guardStats } : {}),
    users: [contactName, user],
  };
  const uri = UserAgent.makeURI(`sip:${encodeURIComponent(user)}@${sipHost(trunk.host)}`);
  if (!uri) throw new Error(`cannot build a SIP URI for trunk ${trunk.id}`);
  return {
    uri,
    ...(trunk.callerId.displayName ? { displayName: displayNameContent(trunk.callerId.displayName) } : {}),
    ...(trunk.password ? { authorizationPassword: trunk.password } : {}),
    ...(trunk.password ? { authorizationUsername: trunk.authUsername ?? trunk.username ?? trunk.callerId.number } : {}),
    transportConstructor: trunk.transport === 'tcp' ? TcpTransport : UdpTransport,
    transportOptions,
    viaHost: placeholder,
    contactName,
    contactParams: { transport: trunk.transport },
    userAgentString: signalling.userAgentString,
    sessionDescriptionHandlerFactory: media
      ? (session) => new RtpDescriptionHandler(withSdpAddress(media, session.userAgent.transport))
      : () => {
          throw new Error('this user agent carries no media');
        },
    logBuiltinEnabled: false,
    logLevel: 'warn',
    logConnector: sipLogConnector(logger, { trunkId: trunk.id }),
  };
}

/**
 * RTP bound to the wildcard with no public address: SDP gets the address the SIP transport
 * advertises (the one the kernel routes to the trunk from), never `0.0.0.0`. RTP hears the
 * addresses the transport hears (rtp/rtp-session.ts).
 */
function withSdpAddress(media: MediaSettings, transport: unknown): MediaSettings {
  if (!(transport instanceof SipTransportBase)) return media;
  const peer = { ...media, peerAddresses: () => transport.peerAddresses() };
  if (media.sdpAddress || !isUnspecified(media.bindAddress)) return peer;
  return { ...peer, sdpAddress: transport.advertisedAddress().host };
}

/** How long closing waits for the registrar to confirm an un-REGISTER before the transport goes. */
const UNREGISTER_WAIT_MS = 2000;

/** Sends the un-REGISTER and waits (briefly) for its answer, so closing the transport does not cut it off. */
function unregister(registerer: Registerer): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, UNREGISTER_WAIT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    registerer.unregister({ requestDelegate: { onAccept: done, onReject: done } }).catch(done);
  });
}

/** No answer to a REGISTER (with its retransmissions) in this long means the registrar is not there. */
const REGISTER_TIMEOUT_MS = 32_000;

/**
 * REGISTERs and resolves on the first 2xx; rejects with a {@link SipError}: `register-refused`
 * with the final response otherwise, `register-unbound` when sip.js drops the 2xx (it does so
 * silently, e.g. when no Contact in it is ours), `register-timeout` after
 * {@link REGISTER_TIMEOUT_MS}. Never hangs.
 */
function register(registerer: Registerer, realm: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      registerer.stateChange.removeListener(onState);
      if (error) reject(error);
      else resolve();
    };
    const onState = (state: RegistererState) => {
      if (state === RegistererState.Registered) settle();
      else if (state === RegistererState.Unregistered || state === RegistererState.Terminated) {
        // sip.js reports a rejection as Unregistered first, then calls onReject: let that speak.
        setImmediate(() =>
          settle(
            new SipError(
              'register-unbound',
              'REGISTER not accepted: the registrar answered without a binding for our Contact',
            ),
          ),
        );
      }
    };
    const timer = setTimeout(
      () => settle(new SipError('register-timeout', 'REGISTER timed out: no answer from the registrar')),
      REGISTER_TIMEOUT_MS,
    );
    registerer.stateChange.addListener(onState);
    registerer
      .register({
        requestDelegate: {
          onReject: ({ message }) => {
            const refusal = realmRefusal(message, realm);
            settle(
              new SipError(
                'register-refused',
                `REGISTER refused: ${message.statusCode} ${message.reasonPhrase}${refusal ? ` (${refusal})` : ''}`,
                message.statusCode,
                message.reasonPhrase,
              ),
            );
          },
        },
      })
      .catch((err: unknown) => settle(err instanceof Error ? err : new Error(String(err))));
  });
}

/**
 * Wins back a registration that was lost after the first success: a refresh the registrar
 * refused or never answered (sip.js then just reports Unregistered and gives up), or a TCP
 * connection that was re-established. REGISTERs again with back-off until it is accepted.
 */
class RegistrationKeeper {
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;
  private registering = false;

  constructor(
    private readonly registerer: Registerer,
    private readonly realm: string | undefined,
    private readonly retry: RegisterRetry,
    private readonly logger?: Logger,
  ) {
    this.delayMs = retry.firstMs;
  }

  /** Starts watching, once the first REGISTER was accepted. */
  watch(): void {
    this.registerer.stateChange.addListener((state) => {
      if (state === RegistererState.Unregistered && !this.registering) this.schedule('registration lost');
    });
  }

  /** REGISTERs again now (e.g. after a reconnect). */
  renew(reason: string): void {
    this.schedule(reason, 0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(reason: string, delayMs = this.delayMs): void {
    if (this.stopped || this.timer) return;
    this.logger?.warn({ reason, retryInMs: delayMs }, 'REGISTER again');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.attempt();
    }, delayMs);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    this.registering = true;
    try {
      await register(this.registerer, this.realm);
      this.delayMs = this.retry.firstMs;
      this.logger?.info('registered again');
    } catch (err) {
      this.delayMs = Math.min(this.delayMs * 2, this.retry.maxMs);
      this.registering = false;
      this.schedule(err instanceof Error ? err.message : String(err));
      return;
    }
    this.registering = false;
  }
}
