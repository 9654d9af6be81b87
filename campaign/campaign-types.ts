/**
 * The contract between the campaign workflow, its activities and the API: plain data only
 * (it crosses Temporal's payload converter), no classes, no Dates (ISO strings instead).
 */
import type { CallingWindow } from './calling-window.js';

export type CampaignStatus =
  'draft' | 'scheduled' | 'preparing' | 'running' | 'paused' | 'completed' | 'cancelled' | 'expired' | 'failed';

/**
 * When a campaign places calls (ISO 8601 instants): from `startAt` (null: at once) until
 * `endAt` (null: until every contact is done). Sent again by `rescheduleCampaign` when the
 * API changes them before the campaign has fired.
 */
export interface CampaignSchedule {
  readonly startAt: string | null;
  readonly endAt: string | null;
}

/** What the workflow itself needs; the call settings (trunk, audio, retries…) are read by the activities. */
export interface CampaignRunSettings {
  readonly maxConcurrentCalls: number;
  /** When calls may be placed; absent = any time. */
  readonly callingWindow?: CallingWindow;
  /** Calls per workflow run before continue-as-new; default: by its history (lower only to test it). */
  readonly callsPerRun?: number;
  /** History events of a run before it continues as new; default RUN_HISTORY_EVENTS (lower only to test it). */
  readonly historyEventsPerRun?: number;
  /**
   * The call activity's back-off (CAMPAIGN_CALL_RETRY_*): absent = 2 s doubling to 15 s, 10
   * tries (~2 minutes) before the attempt is given back. Lower only to test it.
   */
  readonly callRetry?: { readonly initialIntervalMs: number; readonly maximumIntervalMs: number };
}

export interface CampaignRunInput {
  readonly campaignId: string;
  readonly ownerId: string;
  readonly settings: CampaignRunSettings;
  /**
   * Absent on runs started before scheduling existed (they place calls at once and never
   * end by time). With a `startAt`, a run without `carry` waits for it before its first claim.
   */
  readonly schedule?: CampaignSchedule;
  /** State handed over by continue-as-new. */
  readonly carry?: CampaignCarry;
  /**
   * The contacts are not all copied yet (status `preparing`): the run copies them with
   * `prepareContacts` while it places calls to those already there. Absent on runs of
   * campaigns copied at start, and on every run started before background copies existed.
   */
  readonly prepare?: boolean;
}

export interface CampaignCarry {
  readonly callsStarted: number;
  readonly paused: boolean;
  readonly runs: number;
}

/**
 * One call attempt the workflow may place now: the contact was claimed for it. Ids only: the
 * activities read the contact's number from PostgreSQL, so Temporal's histories, markers and
 * queries (the Web UI shows them, to anyone who reaches it) hold no phone numbers (review F29).
 * Runs recorded before that carry a `phone` here too; it is ignored.
 */
export interface ClaimedAttempt {
  /** Unique per attempt: `<campaignContactId>:<attempt>`; the activity's idempotency key. */
  readonly attemptId: string;
  readonly campaignContactId: string;
  /** 1-based. */
  readonly attempt: number;
}

/**
 * A claim. `claimKey` is the same each time the workflow code runs this step (the run's id and
 * the claim's number in the run), so a claim repeated after a workflow task that failed or
 * timed out returns the contacts the first one took instead of taking more. With `adopt`,
 * contacts left in flight by another run of the campaign's workflow (it died, was terminated,
 * or a claim's result never reached it) come first, each as the attempt it was claimed for.
 */
export interface ClaimRequest {
  readonly campaignId: string;
  readonly limit: number;
  readonly claimKey: string;
  readonly adopt: boolean;
  /**
   * Calls the workflow has in flight as it claims: the claim hands out no more than the
   * owner's and department's concurrent-call limit leaves room for (absent: runs recorded
   * before that clamp; then only `limit` counts).
   */
  readonly inFlight?: number;
}

/**
 * How many contacts a claim may take: `limit`, and no more than the owner's concurrent-call
 * limit (`cap`, at least 1: a cap of 0 would leave nothing in flight to end the wait for room)
 * leaves room for beside the calls in flight. Without a cap, or without the count (a request
 * from before the clamp), `limit` alone.
 */
export function claimRoom(request: Pick<ClaimRequest, 'limit' | 'inFlight'>, cap: number | null): number {
  if (cap === null || request.inFlight === undefined) return request.limit;
  return Math.max(0, Math.min(request.limit, Math.max(1, cap) - request.inFlight));
}

export interface ClaimResult {
  readonly attempts: readonly ClaimedAttempt[];
  /** How many of `attempts` were adopted from another run (absent on runs recorded before adoption). */
  readonly adopted?: number;
  /** When the next not-yet-due contact (a scheduled retry) becomes due; null when none waits. */
  readonly nextDueAt: string | null;
  /**
   * 0 when every contact is finished (the campaign is done), else 1: some are due, waiting
   * for a retry or in flight. A number, not a count (counting a large list at every claim is
   * too slow), and not a boolean: runs recorded with the count still replay.
   */
  readonly open: number;
  /**
   * The most calls the campaign may have in flight now: the lower of its owner's and the
   * owner's department's concurrent-call limits (null: neither sets one). The workflow keeps
   * no more call activities than this running, so a `maxConcurrentCalls` above it does not
   * leave activities holding worker slots while they wait for a lease. Absent on runs
   * recorded before the clamp.
   */
  readonly concurrencyCap?: number | null;
}

/**
 * The outcome of an attempt the frequency cap held back: no call was placed, the contact
 * waits again (`retryAt`) and the attempt is not counted.
 */
export const CAPPED = 'capped';

/**
 * The outcome of an attempt held back by the `uk` compliance profile
 * (campaign/compliance-profile.ts `uk.abandoned-call-hold`): the number had an abandoned
 * call from the same owner less than 72 h ago. No call was placed, the contact waits until
 * the 72 h are over (`retryAt`) and the attempt is not counted.
 */
export const ABANDONED_HOLD = 'abandoned_hold';

/**
 * The outcome of an attempt whose number another department (or user) has reserved
 * (activities/policy-rules/reservation.ts): no call was placed, the contact waits until the
 * reservation ends (`retryAt`) and the attempt is not counted.
 */
export const RESERVED = 'reserved';

/**
 * The outcome of an attempt held back by its department's calls per UTC day: no call was
 * placed, the contact waits until the next UTC day (`retryAt`), the attempt is not counted.
 */
export const DAILY_LIMIT = 'daily_limit';

/** The outcomes of attempts a policy rule put back without a call: not counted as calls started. */
export const POLICY_SKIPS: readonly string[] = [CAPPED, ABANDONED_HOLD, RESERVED, DAILY_LIMIT];

/**
 * The outcome of an attempt whose activity failed on infrastructure before any INVITE left:
 * no call was placed, the contact waits again and the attempt is not counted.
 */
export const DEFERRED = 'deferred';

/**
 * The outcome of an attempt the worker had no call slot for (its slots are shared fairly
 * between owners, activities/call-slots.ts), or whose campaign's trunks are all held down by
 * their circuit breakers (activities/trunk-breaker.ts; `retryAt` is the first hold's end):
 * no call was placed, the contact waits again (`retryAt`, a few seconds) and the attempt is
 * not counted. The workflow claims nothing new
 * until `retryAt`, so a campaign held back does not spin through its list.
 */
export const THROTTLED = 'throttled';

/** What one attempt came to, as the workflow needs it (the journal has the rest). */
export interface AttemptReport {
  readonly attemptId: string;
  /** A call outcome, or `superseded` / {@link CAPPED} / {@link ABANDONED_HOLD} / {@link THROTTLED} / {@link DEFERRED} when no call was placed. */
  readonly outcome: string;
  /** When the contact is due again, or null when it is finished. */
  readonly retryAt: string | null;
}

/** A call the workflow has in flight, by ids (the API adds the number from PostgreSQL). */
export interface LiveAttempt {
  readonly attemptId: string;
  /** Absent from workflows still running code from before it (derive it from `attemptId`). */
  readonly campaignContactId?: string;
  readonly since: string;
}

export interface CampaignLiveState {
  readonly status: CampaignStatus;
  readonly inFlight: readonly LiveAttempt[];
  readonly callsStarted: number;
  /** Set while the calling window is closed: when it opens again. */
  readonly waitingForWindowUntil: string | null;
  /** The schedule the workflow works to (absent from workflows running code from before it). */
  readonly startAt?: string | null;
  readonly endAt?: string | null;
  /**
   * The most calls the workflow keeps in flight now: `maxConcurrentCalls`, or the owner's or
   * department's concurrent-call limit when the last claim found it lower (absent from
   * workflows running code from before the clamp).
   */
  readonly maxInFlight?: number;
}

export interface CampaignRunResult {
  readonly status: 'completed' | 'cancelled' | 'expired';
  readonly callsStarted: number;
  /** Workflow runs the campaign took (continue-as-new), counting this one. */
  readonly runs: number;
}

/**
 * The activities the campaign workflow calls. Implemented in activities/ against
 * PostgreSQL and the telephony engine; the workflow sees only this interface.
 */
export interface CampaignActivities {
  /** Claims up to `limit` due contacts (marks them in flight, assigns attempt ids); see {@link ClaimRequest}. */
  claimDueAttempts(input: ClaimRequest): Promise<ClaimResult>;
  /**
   * Dials one attempt, plays, records, hangs up, uploads, writes the journal row and the
   * contact's next state, all keyed by `attemptId` (a retry returns the recorded result).
   */
  placeCall(input: { campaignId: string; attempt: ClaimedAttempt }): Promise<AttemptReport>;
  /**
   * An attempt whose activity failed for good (infrastructure). No INVITE left for it: the
   * contact waits again without using up the attempt (up to a bound of such failures). An
   * INVITE left: the attempt is journalled as failed and the contact moves on per policy.
   */
  releaseAttempt(input: { campaignId: string; attempt: ClaimedAttempt; reason: string }): Promise<AttemptReport>;
  setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void>;
  /** Marks every contact that is not finished as cancelled. */
  cancelOpenContacts(input: { campaignId: string }): Promise<number>;
  /**
   * A scheduled campaign's timer fired: makes it `running` if the database still says
   * `scheduled` with a `startAt` at or before `now` (the workflow's clock). Answers the
   * campaign's status and schedule as the database has them afterwards: a `startAt` moved
   * later by the API (whose signal may have been lost) means the workflow waits again.
   */
  beginScheduledCampaign(input: { campaignId: string; now: string }): Promise<{
    status: CampaignStatus;
    schedule: CampaignSchedule;
  }>;
  /** The campaign's `endAt` has come and nothing is in flight: every contact not done ends `expired`. */
  expireOpenContacts(input: { campaignId: string }): Promise<number>;
  /**
   * Copies the campaign's list into its contacts in batches, from where an earlier try
   * stopped, with progress in `campaign.contacts_copied`; then `preparing` becomes `running`.
   * Stops early (the rest is not wanted) once the campaign has finished. Heartbeats.
   */
  prepareContacts(input: { campaignId: string }): Promise<{ copied: number }>;
}
