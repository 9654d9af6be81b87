/**
 * Trunk groups: whether a call's result is the trunk's technical failure — the same attempt
 * then goes to the campaign's next trunk at once, and the trunk's circuit breaker counts it —
 * or an answer about the callee, which is final. Pure.
 *
 * | result                                                     | failover | why                                           |
 * | ---------------------------------------------------------- | -------- | --------------------------------------------- |
 * | no final response (timer B, nothing before the ring timeout) | yes    | the trunk did not answer at all               |
 * | trunk unreachable, INVITE not sent (connection refused…)    | yes      | nothing reached the trunk                     |
 * | 408 Request Timeout                                         | yes      | the trunk's network timed out                 |
 * | 5xx (500, 502, 503 with or without Retry-After, 504…)       | yes      | the trunk or its network failed               |
 * | 401 / 407 as final answer                                   | yes      | the trunk refused our credentials: its setup, not the callee |
 * | any answer after 180/183 (the callee's phone rang)          | no       | the callee was alerted: a second trunk would ring them again |
 * | 486, 600, 603, 403, 404, 480, 484, 487, 6xx, other 4xx      | no       | a deliberate answer about the callee or the number |
 * | answered, cancelled by us, not a dialable number            | no       |                                               |
 */
import type { AttemptOutcome } from './outcomes.js';

/** What the decision looks at: a call's result as the engine reports it. */
export interface TrunkCallResult {
  readonly outcome: AttemptOutcome;
  readonly sipCode?: number;
  readonly times: { readonly ringing?: Date; readonly answer?: Date };
  readonly inviteSent?: false;
}

/** SIP answers that say the trunk failed, not the callee (besides every 5xx). */
const TECHNICAL_CODES: ReadonlySet<number> = new Set([401, 407, 408]);

/** True when the result is the trunk's technical failure: fail over to the next trunk, and count it against the trunk. */
export function isTechnicalFailure(result: TrunkCallResult): boolean {
  if (result.times.answer || result.times.ringing) return false;
  const code = result.sipCode;
  if (code === undefined) return result.outcome === 'unavailable';
  return TECHNICAL_CODES.has(code) || (code >= 500 && code < 600);
}

/**
 * True when the trunk showed it works (it gave an answer about the callee, or the call was
 * answered): its breaker's count of failures starts again. A result with neither (a number
 * refused before dialling, our own cancel before any response) says nothing about the trunk.
 */
export function trunkResponded(result: TrunkCallResult): boolean {
  if (isTechnicalFailure(result)) return false;
  return result.sipCode !== undefined || result.times.answer !== undefined || result.times.ringing !== undefined;
}

/**
 * True when a trunk held down answered an OPTIONS probe with something that shows it works
 * (activities/trunk-prober.ts): any final response (RFC 3261 §11: 200, but also the 404,
 * 405 or 403 many SBCs give an OPTIONS) except those a call would count as the trunk's
 * failure (408, 5xx, 401/407 left after our digest). No response: still down.
 */
export function probeShowsTrunkUp(sipCode: number | null): boolean {
  if (sipCode === null || sipCode < 200) return false;
  return !TECHNICAL_CODES.has(sipCode) && !(sipCode >= 500 && sipCode < 600);
}

/** One trunk a call attempt went to, as the journal keeps it (`call_record.trunk_attempts`). */
export interface TrunkAttempt {
  readonly trunkId: string;
  /** The trunk's final SIP answer; null when none came (no response, unreachable). */
  readonly sipCode: number | null;
  /** The reason phrase, or what happened without one (e.g. `trunk unreachable: …`). */
  readonly reason: string;
}

/** Most trunks a campaign's group may hold. */
export const MAX_TRUNKS_PER_CAMPAIGN = 5;
