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
  const { rows } = await pool.query<{ phone_e164: string }>('SELECT phone_e164 FROM campaign_contact WHERE id = $1', [
    attempt.campaignContactId,
  ]);
  const phone = rows[0]?.phone_e164;
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
  const { rows } = await pool.query<{
    outcome: string;
    end_reason: string;
    invite_at: string;
    answer_at: string | null;
    opted_out: boolean;
  }>(
    // An opt-out is written to the blocklist the moment the key is pressed, before the row is
    // completed: a worker that died after it leaves the entry as the only trace.
    `SELECT outcome, end_reason, invite_at, answer_at,
       opted_out OR EXISTS (SELECT 1 FROM blocklist b WHERE b.call_id = r.id AND b.reason = 'opt_out') AS opted_out
     FROM call_record r WHERE attempt_id = $1`,
    [attemptId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const inProgress = row.end_reason === IN_PROGRESS;
  const answerAt = row.answer_at === null ? null : new Date(row.answer_at);
  return { outcome: row.outcome, inProgress, inviteAt: new Date(row.invite_at), answerAt, optedOut: row.opted_out };
}

/** The report of an attempt already in the journal, with the contact's state as it is now. */
export async function reportRecorded(pool: Pool, attempt: ClaimedAttempt, outcome: string): Promise<AttemptReport> {
  const { rows } = await pool.query<{ state: string; attempts: number; next_attempt_at: string }>(
    'SELECT state, attempts, next_attempt_at FROM campaign_contact WHERE id = $1',
    [attempt.campaignContactId],
  );
  const row = rows[0];
  const waiting = row?.state === 'waiting' && row.attempts === attempt.attempt;
  return {
    attemptId: attempt.attemptId,
    outcome,
    retryAt: waiting ? new Date(row.next_attempt_at).toISOString() : null,
  };
}

/** The columns that say which attempt a row is ($1–$8 of every insert here), and their values. */
const ATTEMPT_COLUMNS = 'id, owner_id, campaign_id, campaign_contact_id, attempt_id, attempt, phone_e164, trunk_id';
const attemptColumns = (ctx: AttemptContext): unknown[] => [
  randomUUID(),
  ctx.ownerId,
  ctx.campaignId,
  ctx.attempt.campaignContactId,
  ctx.attempt.attemptId,
  ctx.attempt.attempt,
  ctx.attempt.phone,
  ctx.trunkId,
];

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
  await pool.query(
    `INSERT INTO call_record (${ATTEMPT_COLUMNS},
       invite_at, answer_at, end_at, outcome, end_reason, dtmf, recording_private, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 'answered', $11, '[]', $12, now())
     ON CONFLICT (attempt_id) DO NOTHING`,
    [...attemptColumns(ctx), invite, answer, IN_PROGRESS, recordingPrivate],
  );
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
    const claimed = await client.query(
      `SELECT 1 FROM campaign_contact WHERE id = $1 AND state = 'in_flight' AND attempts = $2 FOR UPDATE`,
      [ctx.attempt.campaignContactId, ctx.attempt.attempt],
    );
    if (claimed.rowCount === 0) return undefined;
    await upsertRecord(client, ctx, entry);
    // The upload outbox row commits with the row too: a pending recording is never forgotten.
    if (entry.recording?.upload) await enqueueRecordingUpload(client, ctx.attempt.attemptId, entry.recording.upload);
    // The webhook events commit with the row: never one without the other (webhook-outbox.ts).
    const recordingBytes = entry.result.recording?.length ?? null;
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
  await client.query(
    `INSERT INTO call_record (${ATTEMPT_COLUMNS},
       invite_at, ringing_at, answer_at, end_at, outcome, sip_code, sip_reason, hung_up_by, end_reason, talk_ms, codec,
       rtp, dtmf, recording_key, recording_private, opted_out, recording_state, recording_error, machine_detection,
       trunk_attempts, caller_id_number, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $25,
       $26, $27, $28, $29, $30, now())
     ON CONFLICT (attempt_id) DO UPDATE SET ringing_at = excluded.ringing_at, answer_at = excluded.answer_at,
       end_at = excluded.end_at, outcome = excluded.outcome, sip_code = excluded.sip_code, sip_reason = excluded.sip_reason,
       hung_up_by = excluded.hung_up_by, end_reason = excluded.end_reason, talk_ms = excluded.talk_ms,
       codec = excluded.codec, rtp = excluded.rtp, dtmf = excluded.dtmf, recording_key = excluded.recording_key,
       opted_out = excluded.opted_out, recording_state = excluded.recording_state,
       recording_error = excluded.recording_error, machine_detection = excluded.machine_detection,
       trunk_attempts = excluded.trunk_attempts,
       caller_id_number = coalesce(excluded.caller_id_number, call_record.caller_id_number), journal_xid = pg_current_xact_id()
     WHERE call_record.end_reason = $24`,
    [
      ...attemptColumns(ctx),
      times.invite,
      times.ringing ?? null,
      times.answer ?? null,
      times.end,
      result.outcome,
      result.sipCode ?? null,
      result.sipReason?.slice(0, 200) ?? null,
      result.hungUpBy ?? null,
      result.endReason.slice(0, 200),
      talkMs,
      result.codec ?? null,
      result.rtp ? JSON.stringify(result.rtp) : null,
      JSON.stringify(result.dtmf),
      entry.recordingKey,
      entry.recordingPrivate,
      IN_PROGRESS,
      entry.optedOut ?? false,
      recording.state,
      recording.error?.slice(0, 500) ?? null,
      result.machineDetection ? JSON.stringify(result.machineDetection) : null,
      entry.trunkAttempts ? JSON.stringify(entry.trunkAttempts) : null,
      entry.callerIdNumber ?? null,
    ],
  );
}

interface ContactUpdate {
  readonly state: 'waiting' | 'done' | 'cancelled';
  readonly outcome: string;
  readonly finalOutcome: string | null;
  readonly nextAt: Date | null;
}

async function setContact(client: PoolClient, attempt: ClaimedAttempt, update: ContactUpdate): Promise<void> {
  await client.query(
    `UPDATE campaign_contact SET state = $2, last_outcome = $3, final_outcome = $4,
       next_attempt_at = coalesce($5, next_attempt_at), claimed_at = null, claim_key = null, infra_failures = 0,
       updated_at = now()
     WHERE id = $1`,
    [attempt.campaignContactId, update.state, update.outcome, update.finalOutcome, update.nextAt],
  );
}

/**
 * Puts a claimed contact back without a call (the frequency cap holds it until `until`): it
 * waits again, and the claim is undone — `attempts` goes back down, so the deferral costs
 * none of the contact's `maxAttempts` and the next claim gets this same attempt id (which is
 * why nothing of a deferred attempt may be journalled). Returns false when the contact is no
 * longer claimed for this attempt.
 */
export async function deferAttempt(pool: Pool, attempt: ClaimedAttempt, until: Date): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE campaign_contact SET state = 'waiting', attempts = attempts - 1, next_attempt_at = $3, claimed_at = null,
       claim_key = null, updated_at = now()
     WHERE id = $1 AND state = 'in_flight' AND attempts = $2`,
    [attempt.campaignContactId, attempt.attempt, until],
  );
  return (rowCount ?? 0) > 0;
}
