/**
 * What an attempt came to: the words the engine, the journal, the scheduler, the statistics
 * and the API all use. Pure. telephony/sip/outcome.ts maps SIP final responses to these.
 * (The doc comments of the two types are the OpenAPI descriptions of their schemas.)
 */

/**
 * - `answered`: 2xx, media may flow.
 * - `busy`: the callee is busy (486, 600).
 * - `no_answer`: it rang out or the callee could not be reached in time (408, 480, 487 not
 *   caused by us, our own ring timeout).
 * - `rejected`: the callee or a service on its behalf declined (403, 603, 607, 608).
 * - `invalid_number`: the number does not exist or cannot be dialled (404, 484, 604, …).
 * - `unavailable`: the trunk or network failed (5xx, no final response at all).
 * - `failed`: anything that points at our request or configuration (auth, codecs, …).
 * - `cancelled`: we cancelled on request (AbortSignal), not on the ring timeout.
 */
export type CallOutcome =
  'answered' | 'busy' | 'no_answer' | 'rejected' | 'invalid_number' | 'unavailable' | 'failed' | 'cancelled';

/** Every outcome the telephony engine gives, in the order the statistics list them. */
export const KNOWN_OUTCOMES = [
  'answered',
  'busy',
  'no_answer',
  'rejected',
  'invalid_number',
  'unavailable',
  'failed',
  'cancelled',
] as const satisfies readonly CallOutcome[];

// Fails to compile when an outcome is added to CallOutcome but not listed above.
type Unlisted = Exclude<CallOutcome, (typeof KNOWN_OUTCOMES)[number]>;
const everyOutcomeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyOutcomeListed;

/**
 * What one attempt came to, as the journal and the scheduler know it: the call's outcome
 * (telephony/sip/outcome.ts maps SIP to those), or `blocked`: the number was on the owner's
 * blocklist when the attempt was about to be dialled, so no call was placed at all.
 */
export type AttemptOutcome = CallOutcome | 'blocked';

/**
 * A contact's final outcome in its campaign (`campaign_contact.final_outcome`): its last
 * attempt's outcome, `cancelled` when the campaign was cancelled before the contact was done,
 * or `expired` when the campaign's `endAt` came first. `expired` is never an attempt's: an
 * expired contact got no journal row for it (no call was placed), so neither the statistics
 * nor the webhooks, which are built from the journal, ever see it.
 */
export type ContactOutcome = AttemptOutcome | 'expired';

/** The final outcome of a contact the campaign's `endAt` left undone. */
export const EXPIRED = 'expired' satisfies ContactOutcome;

/** Every final outcome a contact can have, as a re-run selects them. */
export const CONTACT_OUTCOMES = [...KNOWN_OUTCOMES, 'blocked', EXPIRED] as const satisfies readonly ContactOutcome[];
