/**
 * `call_record`, the call journal, in SQL: what the calls API reads and changes (api/calls/:
 * the search, one call, its marks, its recording), the recording's final state once its
 * upload ended (activities/recording-outbox.ts), and the rows a campaign's cancel writes for
 * attempts claimed but never placed. Raw SQL rather than the ORM: a page is one index range
 * scan and the times must come back exactly, which `to_char` in UTC does. Also the journal's
 * own writes for our calls (activities/call-journal.ts: the answered row, the finished
 * upsert), at the end. External calls' rows are db/external-calls.ts; the exports' batches
 * db/call-exports.ts; statistics db/stats.ts.
 */
import type { QueryResultRow } from 'pg';
import { insertColumns, type Pool, type PoolClient } from './sql.js';

/**
 * A journal row's contact variables (its contact's imported columns), read from the
 * campaign's copy of the contact by primary key; `{}` once the campaign, and with it that
 * copy, was deleted. A subquery rather than a join keeps the journal's columns unqualified
 * (UPDATE … RETURNING uses them too). Read by the calls API, the export and the webhooks.
 */
export const CONTACT_VARIABLES = `coalesce((SELECT cc.variables FROM campaign_contact cc
  WHERE cc.id = call_record.campaign_contact_id), '{}'::jsonb)`;

export const utc = (column: string, fraction: 'MS' | 'US') =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${fraction}"Z"')`;

/**
 * The select list of a view; the INVITE time to the microsecond (for the cursor) under a
 * name of its own: an output column named `invite_at` would be what ORDER BY sorts by,
 * text instead of the indexed column.
 */
export const VIEW_COLUMNS = `id, owner_id, campaign_id, campaign_contact_id, attempt, phone_e164, trunk_id,
  ${utc('invite_at', 'US')} AS invite_exact, ${utc('ringing_at', 'MS')} AS ringing_at,
  ${utc('answer_at', 'MS')} AS answer_at, ${utc('end_at', 'MS')} AS end_at, outcome, sip_code, sip_reason,
  hung_up_by, end_reason, talk_ms, codec, rtp, dtmf, opted_out, tags, recording_private, recording_state,
  recording_error, machine_detection, trunk_attempts, caller_id_number, source, external_id, direction,
  from_party, to_party, external_fields, ${CONTACT_VARIABLES} AS variables`;

/** A search of the journal (api/calls/call-query.ts parses it). */
export interface CallFilter {
  readonly phone?: string;
  /** Inclusive; `text` is the instant as given, to the microsecond. */
  readonly from?: { readonly text: string };
  /** Exclusive. */
  readonly to?: { readonly text: string };
  readonly campaignId?: string;
  readonly outcome?: string;
  readonly limit: number;
  /** The last row of the previous page. */
  readonly after?: { readonly inviteAt: string; readonly id: string };
}

/**
 * The search as SQL, newest first by (invite_at, id), one row more than the page to know
 * whether another page follows. `ownerId` undefined: every owner's calls (administrators).
 * Each combination of filters has an index whose order is the result's (see the entity).
 */
export function searchCallsSql(query: CallFilter, ownerId: string | undefined): { text: string; values: unknown[] } {
  const { where, values } = searchWhere(query, ownerId);
  const text = `SELECT ${VIEW_COLUMNS} FROM call_record ${where}
    ORDER BY invite_at DESC, id DESC LIMIT $${values.push(query.limit + 1)}`;
  return { text, values };
}

/** The search's WHERE clause (empty without filters) and its parameters, `$1` on. */
export function searchWhere(query: CallFilter, ownerId: string | undefined): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  if (ownerId !== undefined) where.push(`owner_id = ${param(ownerId)}`);
  if (query.phone !== undefined) where.push(`phone_e164 = ${param(query.phone)}`);
  if (query.campaignId !== undefined) where.push(`campaign_id = ${param(query.campaignId)}`);
  if (query.outcome !== undefined) where.push(`outcome = ${param(query.outcome)}`);
  if (query.from) where.push(`invite_at >= ${param(query.from.text)}::timestamptz`);
  if (query.to) where.push(`invite_at < ${param(query.to.text)}::timestamptz`);
  if (query.after) {
    where.push(`(invite_at, id) < (${param(query.after.inviteAt)}::timestamptz, ${param(query.after.id)}::uuid)`);
  }
  return { where: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', values };
}

/** An attempt's journal row, every column and its contact variables (the webhook outbox's events). */
export async function selectJournalRowOfAttempt<R extends QueryResultRow>(
  client: PoolClient,
  attemptId: string,
): Promise<R | undefined> {
  const { rows } = await client.query<R>(
    `SELECT *, ${CONTACT_VARIABLES} AS variables FROM call_record WHERE attempt_id = $1`,
    [attemptId],
  );
  return rows[0];
}

/** An owner's external call's row (issue 24), every column (the webhook outbox's events). */
export async function selectExternalJournalRow<R extends QueryResultRow>(
  client: PoolClient,
  ownerId: string,
  callId: string,
): Promise<R | undefined> {
  const { rows } = await client.query<R>(
    'SELECT * FROM call_record WHERE id = $1 AND owner_id = $2 AND source IS NOT NULL',
    [callId, ownerId],
  );
  return rows[0];
}

/** One call's row (selected with VIEW_COLUMNS). */
export async function selectCall<R extends QueryResultRow>(pool: Pool, id: string): Promise<R | undefined> {
  const { rows } = await pool.query<R>(`SELECT ${VIEW_COLUMNS} FROM call_record WHERE id = $1`, [id]);
  return rows[0];
}

/**
 * Sets the tags and the private flag given (null: unchanged) in one statement, only on a call
 * of `ownerId` (null: any owner's); the changed row, or undefined.
 */
export async function updateCallMarks<R extends QueryResultRow>(
  pool: Pool,
  id: string,
  change: { tags: readonly string[] | null; private: boolean | null },
  ownerId: string | null,
): Promise<R | undefined> {
  const { rows } = await pool.query<R>(
    `UPDATE call_record SET tags = coalesce($2, tags), recording_private = coalesce($3, recording_private)
     WHERE id = $1 AND ($4::uuid IS NULL OR owner_id = $4) RETURNING ${VIEW_COLUMNS}`,
    [id, change.tags, change.private, ownerId],
  );
  return rows[0];
}

/** A call's recording as its download needs it, with the seconds until its upload's next try. */
export async function selectRecording<R extends QueryResultRow>(pool: Pool, id: string): Promise<R | undefined> {
  const { rows } = await pool.query<R>(
    `SELECT r.owner_id, r.recording_key, r.recording_private, r.recording_state, r.recording_error,
       ceil(extract(epoch FROM u.next_try_at - now()))::float8 AS next_try_in
     FROM call_record r LEFT JOIN recording_upload u ON u.call_id = r.id WHERE r.id = $1`,
    [id],
  );
  return rows[0];
}

/**
 * The recording of a call whose upload ended: `stored`, or `lost` with the reason (and no key
 * any more). Only a recording still `pending` changes; false when it was not.
 */
export async function settleRecording(
  client: PoolClient,
  callId: string,
  state: 'stored' | 'lost',
  error: string | null,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE call_record SET recording_state = $2, recording_error = $3,
       recording_key = CASE WHEN $2 = 'lost' THEN NULL ELSE recording_key END
     WHERE id = $1 AND recording_state = 'pending'`,
    [callId, state, error],
  );
  return (rowCount ?? 0) > 0;
}

/** The journal row of an attempt claimed but never placed, from its contact `c` and campaign `k`. */
const CANCELLED_ROW = insertColumns({
  id: 'gen_random_uuid()',
  owner_id: 'k.owner_id',
  campaign_id: 'k.id',
  campaign_contact_id: 'c.id',
  attempt_id: "c.id || ':' || c.attempts",
  attempt: 'c.attempts',
  phone_e164: 'c.phone_e164',
  trunk_id: 'k.trunk_id',
  invite_at: 'now()',
  end_at: 'now()',
  outcome: "'cancelled'",
  end_reason: '$2',
  dtmf: "'[]'",
  created_at: 'now()',
});

/**
 * A journal row (outcome `cancelled`, `endReason`) for each contact of the campaign still in
 * flight whose attempt has none; returns the rows written.
 */
export async function journalCancelledInFlight(
  client: PoolClient,
  campaignId: string,
  endReason: string,
): Promise<{ owner_id: string; attempt_id: string }[]> {
  const { rows } = await client.query<{ owner_id: string; attempt_id: string }>(
    `INSERT INTO call_record (${CANCELLED_ROW.names})
     SELECT ${CANCELLED_ROW.values}
     FROM campaign_contact c JOIN campaign k ON k.id = c.campaign_id
     WHERE c.campaign_id = $1 AND c.state = 'in_flight'
     ON CONFLICT (attempt_id) DO NOTHING
     RETURNING owner_id, attempt_id`,
    [campaignId, endReason],
  );
  return rows;
}

/*
 * The call activity's journal writes (activities/call-journal.ts): an answered call's row at
 * the answer, and the row written (or completed) when the attempt ends.
 */

/** Which attempt a journal row is: the first columns ($1–$8) of every row the call activity writes. */
export interface JournalAttemptKey {
  readonly id: string;
  readonly ownerId: string;
  readonly campaignId: string;
  readonly campaignContactId: string;
  readonly attemptId: string;
  readonly attempt: number;
  readonly phone: string;
  readonly trunkId: string | null;
}

const ATTEMPT_KEY_COLUMNS = {
  id: '$1',
  owner_id: '$2',
  campaign_id: '$3',
  campaign_contact_id: '$4',
  attempt_id: '$5',
  attempt: '$6',
  phone_e164: '$7',
  trunk_id: '$8',
};
const attemptKeyValues = (key: JournalAttemptKey): unknown[] => [
  key.id,
  key.ownerId,
  key.campaignId,
  key.campaignContactId,
  key.attemptId,
  key.attempt,
  key.phone,
  key.trunkId,
];

/** An attempt as the journal reads it back (timestamps as text: read them with `new Date()`). */
export interface JournalledAttempt {
  outcome: string;
  end_reason: string;
  invite_at: string;
  answer_at: string | null;
  opted_out: boolean;
}

/** The attempt's row; `opted_out` also when only its blocklist entry says so. */
export async function findJournalledAttempt(pool: Pool, attemptId: string): Promise<JournalledAttempt | undefined> {
  const { rows } = await pool.query<JournalledAttempt>(
    // An opt-out is written to the blocklist the moment the key is pressed, before the row is
    // completed: a worker that died after it leaves the entry as the only trace.
    `SELECT outcome, end_reason, invite_at, answer_at,
       opted_out OR EXISTS (SELECT 1 FROM blocklist b WHERE b.call_id = r.id AND b.reason = 'opt_out') AS opted_out
     FROM call_record r WHERE attempt_id = $1`,
    [attemptId],
  );
  return rows[0];
}

const ANSWERED_ROW = insertColumns({
  ...ATTEMPT_KEY_COLUMNS,
  invite_at: '$9',
  answer_at: '$10',
  end_at: '$10',
  outcome: "'answered'",
  end_reason: '$11',
  dtmf: "'[]'",
  recording_private: '$12',
  created_at: 'now()',
});

/** An answered call whose end is not known yet: `endReason` marks the row in progress. */
export interface AnsweredCall {
  readonly invite: Date;
  readonly answer: Date;
  readonly endReason: string;
  readonly recordingPrivate: boolean;
}

/** The row of an answered call, at the answer; none when the attempt has one already. */
export async function insertAnsweredRecord(pool: Pool, key: JournalAttemptKey, call: AnsweredCall): Promise<void> {
  await pool.query(
    `INSERT INTO call_record (${ANSWERED_ROW.names}) VALUES (${ANSWERED_ROW.values})
     ON CONFLICT (attempt_id) DO NOTHING`,
    [...attemptKeyValues(key), call.invite, call.answer, call.endReason, call.recordingPrivate],
  );
}

/** An attempt's row as it ends, each value as stored ($9–$30 but $24). */
export interface FinishedRecord {
  readonly inviteAt: Date;
  readonly ringingAt: Date | null;
  readonly answerAt: Date | null;
  readonly endAt: Date;
  readonly outcome: string;
  readonly sipCode: number | null;
  readonly sipReason: string | null;
  readonly hungUpBy: string | null;
  readonly endReason: string;
  readonly talkMs: number | null;
  readonly codec: string | null;
  /** JSON. */
  readonly rtp: string | null;
  /** JSON. */
  readonly dtmf: string;
  readonly recordingKey: string | null;
  readonly recordingPrivate: boolean;
  readonly optedOut: boolean;
  readonly recordingState: string;
  readonly recordingError: string | null;
  /** JSON. */
  readonly machineDetection: string | null;
  /** JSON. */
  readonly trunkAttempts: string | null;
  readonly callerIdNumber: string | null;
}

const FINISHED_ROW = insertColumns({
  ...ATTEMPT_KEY_COLUMNS,
  invite_at: '$9',
  ringing_at: '$10',
  answer_at: '$11',
  end_at: '$12',
  outcome: '$13',
  sip_code: '$14',
  sip_reason: '$15',
  hung_up_by: '$16',
  end_reason: '$17',
  talk_ms: '$18',
  codec: '$19',
  rtp: '$20',
  dtmf: '$21',
  recording_key: '$22',
  recording_private: '$23',
  opted_out: '$25',
  recording_state: '$26',
  recording_error: '$27',
  machine_detection: '$28',
  trunk_attempts: '$29',
  caller_id_number: '$30',
  created_at: 'now()',
});

/**
 * Writes the attempt's row, or completes the one written at the answer: only while its
 * `end_reason` is still `inProgress` ($24), and keeping its `recording_private` and, unless
 * given, its caller ID.
 */
export async function upsertFinishedRecord(
  client: PoolClient,
  key: JournalAttemptKey,
  row: FinishedRecord,
  inProgress: string,
): Promise<void> {
  await client.query(
    `INSERT INTO call_record (${FINISHED_ROW.names}) VALUES (${FINISHED_ROW.values})
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
      ...attemptKeyValues(key),
      row.inviteAt,
      row.ringingAt,
      row.answerAt,
      row.endAt,
      row.outcome,
      row.sipCode,
      row.sipReason,
      row.hungUpBy,
      row.endReason,
      row.talkMs,
      row.codec,
      row.rtp,
      row.dtmf,
      row.recordingKey,
      row.recordingPrivate,
      inProgress,
      row.optedOut,
      row.recordingState,
      row.recordingError,
      row.machineDetection,
      row.trunkAttempts,
      row.callerIdNumber,
    ],
  );
}
