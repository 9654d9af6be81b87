/**
 * The call journal (`call_record`) and the contact's scheduler state, written together: an
 * attempt's row and the contact's next state commit in one transaction, so the journal and
 * the contacts never disagree. A row is keyed by its attempt id (unique), which is what
 * makes `placeCall` idempotent.
 *
 * An answered call gets its row at the answer already (`end_reason` = {@link IN_PROGRESS}),
 * completed when the call ends: if the worker dies during the call, the retried activity
 * finds the answer in the journal and finishes the attempt as answered instead of calling
 * the contact a second time.
 *
 * The statements are db/call-records.ts's (the rows) and db/campaign-claims.ts's (the contact).
 */
import { randomUUID } from 'node:crypto';
import type { CallResult } from '../telephony/call-types.js';
import type { AttemptReport, ClaimedAttempt } from '../campaign/campaign-types.js';
import { IN_PROGRESS } from '../campaign/journal-codes.js';
import type { AttemptOutcome } from '../campaign/outcomes.js';
import type { TrunkAttempt } from '../campaign/trunk-failover.js';
import { decideAfterAttempt, type RetryPolicy } from '../campaign/retry-policy.js';
import type { Pool, PoolClient } from '../db/sql.js';
import { inTransaction } from '../db/sql.js';
import {
  findJournalledAttempt,
  insertAnsweredRecord,
  upsertFinishedRecord,
  type JournalAttemptKey,
} from '../db/call-records.js';
import {
  contactPhone,
  contactSchedule,
  endClaim,
  lockClaimedContact,
  undoClaim,
  type ContactAfterAttempt,
} from '../db/campaign-claims.js';
import type { RecordingState } from '../db/entities/index.js';
import { enqueueCallEvents } from './webhook-outbox.js';
import { recordOptOut } from './blocklist.js';
import { enqueueRecordingUpload } from './recording-outbox.js';
import type { SpooledRecording } from './recording-spool.js';

/**
 * An attempt with its contact's number. The workflow hands activities ids only (review F29:
 * no numbers in Temporal's histories); the number is read here, from the contact's row.
 */
export interface NumberedAttempt extends ClaimedAttempt {
  /** E.164. */
  readonly phone: string;
}

/**
 * `attempt` with its contact's number, or undefined when the contact is gone (its campaign was
 * deleted). Only the ids are taken from `attempt`: a `phone` that a run recorded before F29
 * passed along is not trusted over the row.
 */
export async function numberAttempt(pool: Pool, attempt: ClaimedAttempt): Promise<NumberedAttempt | undefined> {
  const phone = await contactPhone(pool, attempt.campaignContactId);
  if (phone === undefined) return undefined;
  return {
    attemptId: attempt.attemptId,
    campaignContactId: attempt.campaignContactId,
    attempt: attempt.attempt,
    phone,
  };
}

/** What the journal needs besides the call itself. */
export interface AttemptContext {
  readonly campaignId: string;
  readonly ownerId: string;
  readonly trunkId: string | null;
  readonly attempt: NumberedAttempt;
  readonly policy: RetryPolicy;
}

export interface RecordedAttempt {
  readonly outcome: string;
  readonly inProgress: boolean;
  readonly inviteAt: Date;
  readonly answerAt: Date | null;
  /** The callee opted out during this call (its blocklist entry names the call). */
  readonly optedOut: boolean;
}

export async function findAttempt(pool: Pool, attemptId: string): Promise<RecordedAttempt | undefined> {
  // The ORM's pool returns timestamps as text: read them with `new Date()`.
  const row = await findJournalledAttempt(pool, attemptId);
  if (!row) return undefined;
  const inProgress = row.end_reason === IN_PROGRESS;
  const answerAt = row.answer_at === null ? null : new Date(row.answer_at);
  return { outcome: row.outcome, inProgress, inviteAt: new Date(row.invite_at), answerAt, optedOut: row.opted_out };
}

/** The report of an attempt already in the journal, with the contact's state as it is now. */
export async function reportRecorded(pool: Pool, attempt: ClaimedAttempt, outcome: string): Promise<AttemptReport> {
  const row = await contactSchedule(pool, attempt.campaignContactId);
  const waiting = row?.state === 'waiting' && row.attempts === attempt.attempt;
  return {
    attemptId: attempt.attemptId,
    outcome,
    retryAt: waiting ? new Date(row.next_attempt_at).toISOString() : null,
  };
}

/** Which attempt the row is, with a new row id. */
const attemptKey = (ctx: AttemptContext): JournalAttemptKey => ({
  id: randomUUID(),
  ownerId: ctx.ownerId,
  campaignId: ctx.campaignId,
  campaignContactId: ctx.attempt.campaignContactId,
  attemptId: ctx.attempt.attemptId,
  attempt: ctx.attempt.attempt,
  phone: ctx.attempt.phone,
  trunkId: ctx.trunkId,
});

/**
 * Journal row for an answered call whose end is not known yet (see the module comment),
 * already with the campaign's private flag: the row is in the API from now on, and a flag
 * its owner changes during the call is what the row keeps when the call ends.
 */
export async function recordAnswer(
  pool: Pool,
  ctx: AttemptContext,
  invite: Date,
  answer: Date,
  recordingPrivate: boolean,
): Promise<void> {
  // One statement, sent at once: a worker that dies right after the answer must have written
  // it (the retry never calls an answered contact again).
  await insertAnsweredRecord(pool, attemptKey(ctx), {
    invite,
    answer,
    endReason: IN_PROGRESS,
    recordingPrivate,
  });
}

/** What an attempt came to: the engine's call result, or an attempt that placed no call (`blocked` among them). */
export interface AttemptResult extends Omit<CallResult, 'outcome'> {
  readonly outcome: AttemptOutcome;
}

/** Where the call's recording is (recording-outbox.ts). */
export interface JournalRecording {
  readonly state: RecordingState;
  /** Why it is `lost`. */
  readonly error?: string;
  /** A `pending` recording's spool file: its upload is enqueued with the row. */
  readonly upload?: SpooledRecording & { readonly holdMs: number };
}

/** The call as the journal stores it. */
export interface JournalEntry {
  readonly result: AttemptResult;
  readonly recordingKey: string | null;
  /** Default: `stored` with a key, `none` without. */
  readonly recording?: JournalRecording;
  /** Written with a new row only: a row made at the answer keeps the flag it has by then. */
  readonly recordingPrivate: boolean;
  /** The callee pressed the campaign's opt-out digit: the number goes on the blocklist with the row. */
  readonly optedOut?: boolean;
  /** Every trunk of the campaign's group the call went to, in order (`call_record.trunk_attempts`). */
  readonly trunkAttempts?: readonly TrunkAttempt[];
  /** The number the INVITE's From carried (`call_record.caller_id_number`). */
  readonly callerIdNumber?: string;
  /** The recording's size in bytes (its WAV is released once spooled, so `result` no longer holds it). */
  readonly recordingBytes?: number;
}

/**
 * Writes (or completes) the attempt's journal row and moves the contact on per the retry
 * policy, in one transaction. `contactState` forces the contact's state (a cancelled
 * campaign's unanswered attempt ends the contact as `cancelled`). Returns undefined when the contact
 * is no longer claimed for this attempt (another run took it over): nothing is written.
 */
export async function recordAttempt(
  pool: Pool,
  ctx: AttemptContext,
  entry: JournalEntry,
  contactState?: 'cancelled',
): Promise<AttemptReport | undefined> {
  return inTransaction(pool, async (client) => {
    if (!(await lockClaimedContact(client, ctx.attempt.campaignContactId, ctx.attempt.attempt))) return undefined;
    await upsertRecord(client, ctx, entry);
    // The upload outbox row commits with the row too: a pending recording is never forgotten.
    if (entry.recording?.upload) await enqueueRecordingUpload(client, ctx.attempt.attemptId, entry.recording.upload);
    // The webhook events commit with the row: never one without the other (webhook-outbox.ts).
    const recordingBytes = entry.recordingBytes ?? null;
    await enqueueCallEvents(client, { ...ctx, attemptId: ctx.attempt.attemptId, recordingBytes });
    // Written already when the key was pressed; again here, so that it commits with the row at the latest.
    if (entry.optedOut) await recordOptOut(client, ctx);
    const outcome = entry.result.outcome;
    const machine = entry.result.machineDetection?.treatedAs === 'machine';
    const decision = decideAfterAttempt(ctx.policy, ctx.attempt.attempt, outcome, entry.result.times.end, machine);
    // A call answered before the cancel reached the callee: the contact is done, not cancelled.
    if (contactState === 'cancelled' && outcome !== 'answered') {
      await setContact(client, ctx.attempt, { state: 'cancelled', outcome, finalOutcome: 'cancelled', nextAt: null });
      return { attemptId: ctx.attempt.attemptId, outcome, retryAt: null };
    }
    if (decision.kind === 'retry') {
      await setContact(client, ctx.attempt, { state: 'waiting', outcome, finalOutcome: null, nextAt: decision.at });
      return { attemptId: ctx.attempt.attemptId, outcome, retryAt: decision.at.toISOString() };
    }
    await setContact(client, ctx.attempt, { state: 'done', outcome, finalOutcome: outcome, nextAt: null });
    return { attemptId: ctx.attempt.attemptId, outcome, retryAt: null };
  });
}

/** A result for an attempt that placed no call (or whose call is lost), to journal. */
export function callNotPlaced(outcome: AttemptOutcome, endReason: string, times?: CallResult['times']): AttemptResult {
  const now = new Date();
  return { outcome, endReason, times: times ?? { invite: now, end: now }, dtmf: [] };
}

async function upsertRecord(client: PoolClient, ctx: AttemptContext, entry: JournalEntry): Promise<void> {
  const { result } = entry;
  const recording: JournalRecording = entry.recording ?? { state: entry.recordingKey === null ? 'none' : 'stored' };
  const { times } = result;
  const talkMs = times.answer ? Math.max(0, times.end.getTime() - times.answer.getTime()) : null;
  await upsertFinishedRecord(
    client,
    attemptKey(ctx),
    {
      inviteAt: times.invite,
      ringingAt: times.ringing ?? null,
      answerAt: times.answer ?? null,
      endAt: times.end,
      outcome: result.outcome,
      sipCode: result.sipCode ?? null,
      sipReason: result.sipReason?.slice(0, 200) ?? null,
      hungUpBy: result.hungUpBy ?? null,
      endReason: result.endReason.slice(0, 200),
      talkMs,
      codec: result.codec ?? null,
      rtp: result.rtp ? JSON.stringify(result.rtp) : null,
      dtmf: JSON.stringify(result.dtmf),
      recordingKey: entry.recordingKey,
      recordingPrivate: entry.recordingPrivate,
      optedOut: entry.optedOut ?? false,
      recordingState: recording.state,
      recordingError: recording.error?.slice(0, 500) ?? null,
      machineDetection: result.machineDetection ? JSON.stringify(result.machineDetection) : null,
      trunkAttempts: entry.trunkAttempts ? JSON.stringify(entry.trunkAttempts) : null,
      callerIdNumber: entry.callerIdNumber ?? null,
    },
    IN_PROGRESS,
  );
}

async function setContact(client: PoolClient, attempt: ClaimedAttempt, update: ContactAfterAttempt): Promise<void> {
  await endClaim(client, attempt.campaignContactId, update);
}

/**
 * Puts a claimed contact back without a call (the frequency cap holds it until `until`): it
 * waits again, and the claim is undone — `attempts` goes back down, so the deferral costs
 * none of the contact's `maxAttempts` and the next claim gets this same attempt id (which is
 * why nothing of a deferred attempt may be journalled). Returns false when the contact is no
 * longer claimed for this attempt.
 */
export async function deferAttempt(pool: Pool, attempt: ClaimedAttempt, until: Date): Promise<boolean> {
  return undoClaim(pool, attempt.campaignContactId, attempt.attempt, until);
}
