/**
 * The trunk test: is the trunk there, does it take our credentials, does it register us?
 *
 *   start a throw-away user agent ─▶ OPTIONS ─▶ (401/407 ─▶ OPTIONS with digest) ─▶ final
 *                                      └─ trunk registers: REGISTER (digest likewise) ─▶ 2xx ─▶ un-REGISTER
 *   stop the user agent, close its socket
 *
 * The probe has its own user agent (own socket, own Call-IDs), never the trunk's long-lived
 * one, so testing a trunk cannot disturb calls on it, and nothing of the probe survives it:
 * a registration it made is removed again, the socket is closed before it returns.
 *
 * Time: OPTIONS and REGISTER share one deadline (`timeoutMs`); a dead host costs exactly
 * that. Only after a registrar said 2xx does the un-REGISTER get up to
 * {@link UNREGISTER_WAIT_MS} more. UDP retransmissions come from our transport.
 */
import { performance } from 'node:perf_hooks';
import { UserAgent, type Core } from 'sip.js';
import type { Logger } from '../lib/logger.js';
import type { TrunkConfig } from './call-types.js';
import { sipHost } from './sip/addressing.js';
import { realmRefusal } from './sip/realm.js';
import type { SipTransportBase } from './sip/transport-base.js';
import { checkedNextHop, trunkUserAgent, type SignallingSettings } from './user-agents.js';

export interface TrunkProbeOptions {
  /** Deadline for the OPTIONS and the REGISTER together. */
  readonly timeoutMs: number;
}

export interface RegistrationCheck {
  /** The registrar bound our Contact (and the probe removed the binding again). */
  readonly registered: boolean;
  readonly sipCode: number | null;
  readonly sipReason: string | null;
}

export interface TrunkProbeResult {
  /** A SIP response (any) came back to the OPTIONS. */
  readonly reachable: boolean;
  /**
   * True: the trunk challenged and took our digest. False: it refused our credentials (or
   * wanted some and the trunk has none). Null: nothing asked for credentials.
   */
  readonly authenticated: boolean | null;
  /** From sending the OPTIONS to its final response, a digest round included. */
  readonly rttMs: number | null;
  /** The OPTIONS' final response. */
  readonly sipCode: number | null;
  readonly sipReason: string | null;
  /** Null when the trunk does not register. */
  readonly registration: RegistrationCheck | null;
  /** Why there is no answer (`timeout`, a transport error), or what went wrong besides. */
  readonly error: string | null;
  /**
   * Nothing was sent: the trunk's own fields (a control character) or the address policy
   * stopped the test, and `error` says which; it says nothing about the network.
   */
  readonly refused?: true;
}

/** What one request came to. */
export type Answer =
  | {
      readonly kind: 'response';
      readonly code: number;
      readonly reason: string;
      /** We answered a 401/407 with credentials on the way. */
      readonly challenged: boolean;
      /** A final 401/407 left unanswered because it was for another realm than the trunk's. */
      readonly realmRefusal?: string;
      readonly rttMs: number;
    }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'timeout' };

/** How long the un-REGISTER may take; the registrar has just answered, so it is alive. */
export const UNREGISTER_WAIT_MS = 2000;

const AUTH_REFUSED = new Set([401, 403, 407]);

/**
 * What an answer says about our credentials: refused (401/407, or 403 after we sent a
 * digest), accepted (any other answer to a request carrying our digest), or not asked.
 */
export function authVerdict(answer: Answer): boolean | null {
  if (answer.kind !== 'response') return null;
  if (answer.challenged) return !AUTH_REFUSED.has(answer.code);
  return answer.code === 401 || answer.code === 407 ? false : null;
}

/** Both checks together: a refusal anywhere wins, then an acceptance anywhere. */
export function combineAuth(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === true || b === true ? true : null;
}

/** The result fields the OPTIONS decides. */
export function optionsVerdict(answer: Answer): Omit<TrunkProbeResult, 'registration'> {
  if (answer.kind !== 'response') {
    const error = answer.kind === 'timeout' ? 'timeout' : answer.error;
    return { reachable: false, authenticated: null, rttMs: null, sipCode: null, sipReason: null, error };
  }
  return {
    reachable: true,
    authenticated: authVerdict(answer),
    rttMs: answer.rttMs,
    sipCode: answer.code,
    sipReason: answer.reason,
    error: answer.realmRefusal ?? null,
  };
}

/** The registration part, from the REGISTER's answer and whether a 2xx listed our Contact. */
export function registrationVerdict(
  answer: Answer,
  boundUs: boolean,
): { registration: RegistrationCheck; error: string | null } {
  if (answer.kind !== 'response') {
    const error = answer.kind === 'timeout' ? 'REGISTER timed out' : `REGISTER failed: ${answer.error}`;
    return { registration: { registered: false, sipCode: null, sipReason: null }, error };
  }
  const ok = answer.code >= 200 && answer.code < 300;
  return {
    registration: { registered: ok && boundUs, sipCode: answer.code, sipReason: answer.reason },
    error: answer.realmRefusal ?? (ok && !boundUs ? 'the registrar answered without a binding for our Contact' : null),
  };
}

const NOT_TRIED: Omit<TrunkProbeResult, 'error'> = {
  reachable: false,
  authenticated: null,
  rttMs: null,
  sipCode: null,
  sipReason: null,
  registration: null,
};

/** Tests `trunk` (see the file comment). Never rejects, never outlives its deadline by more than the clean-up. */
export async function probeTrunk(
  trunk: TrunkConfig,
  signalling: SignallingSettings,
  options: TrunkProbeOptions,
  logger?: Logger,
): Promise<TrunkProbeResult> {
  const deadline = performance.now() + options.timeoutMs;
  const notRegistered = trunk.register ? { registered: false, sipCode: null, sipReason: null } : null;
  let userAgent: UserAgent;
  try {
    // Not graceful: stop() must not wait for sip.js's own registerers or transactions.
    const nextHop = await checkedNextHop(trunk, signalling);
    userAgent = trunkUserAgent(trunk, signalling, undefined, logger, { gracefulShutdown: false }, nextHop);
  } catch (err) {
    return { ...NOT_TRIED, registration: notRegistered, error: messageOf(err), refused: true };
  }
  try {
    const started = await beforeDeadline(userAgent.start(), deadline);
    if (started === 'timeout') return { ...NOT_TRIED, registration: notRegistered, error: 'timeout' };
    const options = optionsVerdict(await sendOptions(userAgent, trunk, deadline));
    if (!trunk.register || !options.reachable) return { ...options, registration: notRegistered };
    const { registration, authenticated, error } = await tryRegister(userAgent, trunk, deadline);
    return {
      ...options,
      authenticated: combineAuth(options.authenticated, authenticated),
      registration,
      error: options.error ?? error,
    };
  } catch (err) {
    return { ...NOT_TRIED, registration: notRegistered, error: messageOf(err) };
  } finally {
    // The socket is closed before we return: nothing of the probe is left listening.
    await userAgent.transport.dispose().catch(() => undefined);
    await userAgent.stop().catch(() => undefined);
  }
}

function sendOptions(userAgent: UserAgent, trunk: TrunkConfig, deadline: number): Promise<Answer> {
  const target = UserAgent.makeURI(
    `sip:${sipHost(trunk.host)}:${trunk.port}${trunk.transport === 'tcp' ? ';transport=tcp' : ''}`,
  );
  if (!target) return Promise.resolve({ kind: 'failed', error: `cannot build a SIP URI for ${trunk.host}` });
  const core = userAgent.userAgentCore;
  const message = core.makeOutgoingRequestMessage('OPTIONS', target, userAgent.configuration.uri, target, {}, [
    'Accept: application/sdp',
  ]);
  const options = (delegate: Core.OutgoingRequestDelegate) => core.request(message, delegate);
  return exchange(userAgent, trunk, message, options, deadline).then((r) => r.answer);
}

async function tryRegister(
  userAgent: UserAgent,
  trunk: TrunkConfig,
  deadline: number,
): Promise<{ registration: RegistrationCheck; authenticated: boolean | null; error: string | null }> {
  const core = userAgent.userAgentCore;
  const aor = userAgent.configuration.uri;
  const registrar = aor.clone(); // the domain, as sip.js's Registerer addresses it
  registrar.user = undefined;
  const contact = userAgent.contact.toString({ register: true });
  const expires = trunk.registerExpiresSeconds ?? 3600;
  const message = core.makeOutgoingRequestMessage('REGISTER', registrar, aor, aor, {}, [
    `Contact: ${contact};expires=${expires}`,
    `Expires: ${expires}`,
  ]);
  const register = (delegate: Core.OutgoingRequestDelegate) => core.register(message, delegate);
  const { answer, response } = await exchange(userAgent, trunk, message, register, deadline);
  const verdict = registrationVerdict(answer, response ? listsContact(response, userAgent.contact.uri.user) : false);
  let error = verdict.error;
  if (answer.kind === 'response' && answer.code >= 200 && answer.code < 300) {
    // Same Call-ID, next CSeq, expires 0 (RFC 3261 §10.2.2): the probe leaves no binding behind.
    message.cseq += 1;
    message.setHeader('cseq', `${message.cseq} REGISTER`);
    message.extraHeaders = [`Contact: ${contact};expires=0`, 'Expires: 0'];
    const removed = await exchange(userAgent, trunk, message, register, performance.now() + UNREGISTER_WAIT_MS);
    const gone = removed.answer.kind === 'response' && removed.answer.code >= 200 && removed.answer.code < 300;
    if (!gone) error ??= `the un-REGISTER was not confirmed; the binding expires by itself within ${expires} s`;
  }
  return { registration: verdict.registration, authenticated: authVerdict(answer), error };
}

/**
 * Sends one non-INVITE request through the user agent core (whose client answers digest
 * challenges with the trunk's credentials) and waits for its final response or the deadline.
 */
function exchange(
  userAgent: UserAgent,
  trunk: TrunkConfig,
  message: Core.OutgoingRequestMessage,
  send: (delegate: Core.OutgoingRequestDelegate) => Core.OutgoingRequest,
  deadline: number,
): Promise<{ answer: Answer; response?: Core.IncomingResponseMessage }> {
  const cseq = message.cseq;
  const transport = userAgent.transport as SipTransportBase;
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const timer = setTimeout(
      () => {
        request?.dispose();
        resolve({ answer: { kind: 'timeout' } });
      },
      Math.max(0, deadline - sentAt),
    );
    const final = ({ message: response }: Core.IncomingResponse) => {
      clearTimeout(timer);
      if (!response.data) {
        // Made up by sip.js, not received: 408 is its own timer F, 503 a transport failure.
        const error = transport.lastError?.message ?? 'transport error';
        resolve({ answer: response.statusCode === 408 ? { kind: 'timeout' } : { kind: 'failed', error } });
        return;
      }
      const refusal = realmRefusal(response, trunk.realm);
      const answer: Answer = {
        kind: 'response',
        code: response.statusCode ?? 0,
        reason: response.reasonPhrase ?? '',
        challenged: message.cseq !== cseq, // sip.js bumps the CSeq when it retries with a digest
        rttMs: Math.round((performance.now() - sentAt) * 10) / 10,
        ...(refusal ? { realmRefusal: refusal } : {}),
      };
      resolve({ answer, response });
    };
    let request: Core.OutgoingRequest;
    try {
      request = send({ onAccept: final, onReject: final, onRedirect: final });
    } catch (err) {
      clearTimeout(timer);
      resolve({ answer: { kind: 'failed', error: messageOf(err) } });
    }
  });
}

/** Whether a REGISTER's 2xx lists a Contact with our (random, unique) contact user. */
function listsContact(response: Core.IncomingResponseMessage, user: string | undefined): boolean {
  const count = response.getHeaders('contact').length;
  for (let i = 0; i < count; i++) {
    const contact = response.parseHeader('contact', i) as { uri?: { user?: string } } | undefined;
    if (user !== undefined && contact?.uri?.user === user) return true;
  }
  return false;
}

function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
