/**
 * What a call came to, from the SIP final response (RFC 3261 §21, RFC 8197, RFC 8688) or
 * from our own cancellation: the SIP-code → outcome mapping. Pure; the exact code and reason
 * phrase are kept by the caller. The outcomes themselves are the campaign's vocabulary
 * (campaign/outcomes.ts).
 */
import type { CallOutcome } from '../../campaign/outcomes.js';

/** Why we sent CANCEL. */
export type CancelReason = 'ring_timeout' | 'aborted';

/**
 * Final responses that do not fall to their class default. Why each one lands where it does:
 *
 * | code | reason                        | outcome          | why                                                       |
 * | ---- | ----------------------------- | ---------------- | --------------------------------------------------------- |
 * | 401  | Unauthorized                  | `failed`         | sip.js answers one challenge; a final one means bad credentials |
 * | 403  | Forbidden                     | `rejected`       | the callee's side refused this call                       |
 * | 404  | Not Found                     | `invalid_number` | no such user / number                                     |
 * | 407  | Proxy Authentication Required | `failed`         | as 401                                                    |
 * | 408  | Request Timeout               | `no_answer`      | nobody answered in the network's time                     |
 * | 410  | Gone                          | `invalid_number` | the number existed once, no longer                        |
 * | 414  | Request-URI Too Long          | `invalid_number` | the number as dialled cannot work                         |
 * | 416  | Unsupported URI Scheme        | `invalid_number` | as 414                                                    |
 * | 480  | Temporarily Unavailable       | `no_answer`      | callee not reachable now (phone off, not registered)      |
 * | 484  | Address Incomplete            | `invalid_number` | too few digits                                            |
 * | 485  | Ambiguous                     | `invalid_number` | the number matches several callees                        |
 * | 486  | Busy Here                     | `busy`           |                                                           |
 * | 487  | Request Terminated            | `no_answer`      | only when we did not CANCEL: the network gave up ringing. After our CANCEL the caller uses {@link outcomeForCancelled} |
 * | 600  | Busy Everywhere               | `busy`           |                                                           |
 * | 603  | Decline                       | `rejected`       |                                                           |
 * | 604  | Does Not Exist Anywhere       | `invalid_number` |                                                           |
 * | 607  | Unwanted                      | `rejected`       | the callee marked us as unwanted: retrying is wrong       |
 * | 608  | Rejected                      | `rejected`       | an intermediary's call analytics refused us: as 607       |
 *
 * Class defaults: 2xx `answered`; 3xx `failed` (redirects are not followed, so retrying as
 * is cannot help: a configuration matter); other 4xx `failed` (400, 402, 405, 406, 413,
 * 415, 420, 421, 423, 433, 488, … all say our request or trunk setup is wrong); 5xx
 * `unavailable` (500, 502, 503, 504, 513, 580, …: the far side or the network failed);
 * other 6xx `failed` (606 Not Acceptable: media or request we cannot change per call).
 */
const BY_CODE: ReadonlyMap<number, CallOutcome> = new Map<number, CallOutcome>([
  [401, 'failed'],
  [403, 'rejected'],
  [404, 'invalid_number'],
  [407, 'failed'],
  [408, 'no_answer'],
  [410, 'invalid_number'],
  [414, 'invalid_number'],
  [416, 'invalid_number'],
  [480, 'no_answer'],
  [484, 'invalid_number'],
  [485, 'invalid_number'],
  [486, 'busy'],
  [487, 'no_answer'],
  [600, 'busy'],
  [603, 'rejected'],
  [604, 'invalid_number'],
  [607, 'rejected'],
  [608, 'rejected'],
]);

/**
 * The outcome of an INVITE from its final response code; see the table on `BY_CODE` in
 * this file for every choice. A code outside 200–699 (not a final response) gives
 * `failed` rather than throwing, since it can only come from a broken peer.
 */
export function outcomeForFinalResponse(code: number): CallOutcome {
  const known = BY_CODE.get(code);
  if (known) return known;
  if (!Number.isInteger(code) || code < 200 || code > 699) return 'failed';
  if (code < 300) return 'answered';
  if (code >= 500 && code < 600) return 'unavailable';
  return 'failed';
}

/**
 * The outcome of a call we cancelled while it rang (its 487 included): our ring timeout
 * is `no_answer`, a cancellation asked for by the caller (AbortSignal) is `cancelled`.
 */
export function outcomeForCancelled(reason: CancelReason): CallOutcome {
  return reason === 'ring_timeout' ? 'no_answer' : 'cancelled';
}
