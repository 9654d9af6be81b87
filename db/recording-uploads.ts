/**
 * `recording_upload`: the recording outbox (activities/recording-outbox.ts). Uploads are
 * claimed with `FOR UPDATE SKIP LOCKED` and a lease (`next_try_at` pushed out), so processes
 * sharing a spool never upload one twice at once.
 */
import type { Pool, PoolClient } from './sql.js';

/** A claimed upload, with the call it belongs to. */
export interface ClaimedUpload {
  readonly id: string;
  readonly call_id: string;
  readonly spool_file: string;
  readonly object_key: string;
  readonly bytes: string;
  readonly tries: number;
  readonly owner_id: string;
  readonly campaign_id: string | null;
  readonly attempt_id: string;
}

/** The spooled recording of an upload, as the outbox row keeps it. */
export interface UploadRow {
  readonly id: string;
  readonly spoolId: string;
  readonly spoolFile: string;
  readonly key: string;
  readonly bytes: number;
  /** Not claimable by the loop before this many milliseconds from now. */
  readonly holdMs: number;
}

/**
 * The outbox row of the call journalled for `attemptId` (its `call_record` row is already
 * written, in the same transaction); a call that has one keeps it.
 */
export async function insertRecordingUpload(client: PoolClient, attemptId: string, upload: UploadRow): Promise<void> {
  await client.query(
    `INSERT INTO recording_upload (id, call_id, spool_id, spool_file, object_key, bytes, tries, next_try_at, created_at)
     SELECT $1, r.id, $3, $4, $5, $6, 0, now() + $7 * interval '1 millisecond', now()
     FROM call_record r WHERE r.attempt_id = $2
     ON CONFLICT (call_id) DO NOTHING`,
    [upload.id, attemptId, upload.spoolId, upload.spoolFile, upload.key, upload.bytes, upload.holdMs],
  );
}

const CLAIM = `UPDATE recording_upload u SET tries = u.tries + 1, next_try_at = now() + $2 * interval '1 millisecond'
  FROM call_record r
  WHERE r.id = u.call_id AND u.id IN (SELECT id FROM recording_upload WHERE spool_id = $1 AND %WHERE%
    ORDER BY next_try_at LIMIT $3 FOR UPDATE SKIP LOCKED)
  RETURNING u.id, u.call_id, u.spool_file, u.object_key, u.bytes, u.tries, r.owner_id, r.campaign_id, r.attempt_id`;

/** Claims the untried upload of `attemptId`'s call on this spool for `leaseMs` (the call activity's first try). */
export async function claimFirstTry(
  pool: Pool,
  spoolId: string,
  leaseMs: number,
  attemptId: string,
): Promise<ClaimedUpload[]> {
  const { rows } = await pool.query<ClaimedUpload>(
    CLAIM.replace('%WHERE%', 'tries = 0 AND call_id = (SELECT id FROM call_record WHERE attempt_id = $4)'),
    [spoolId, leaseMs, 1, attemptId],
  );
  return rows;
}

/** Claims up to `limit` due uploads of this spool for `leaseMs`, the longest due first. */
export async function claimDueUploads(
  pool: Pool,
  spoolId: string,
  leaseMs: number,
  limit: number,
): Promise<ClaimedUpload[]> {
  const { rows } = await pool.query<ClaimedUpload>(CLAIM.replace('%WHERE%', 'next_try_at <= now()'), [
    spoolId,
    leaseMs,
    limit,
  ]);
  return rows;
}

/** Makes every upload of the spool that is leased or waiting due now (a process took the spool over). */
export async function makeSpoolDue(pool: Pool, spoolId: string): Promise<void> {
  await pool.query('UPDATE recording_upload SET next_try_at = now() WHERE spool_id = $1 AND next_try_at > now()', [
    spoolId,
  ]);
}

export async function makeUploadsDue(pool: Pool, ids: readonly string[]): Promise<void> {
  await pool.query('UPDATE recording_upload SET next_try_at = now() WHERE id = ANY($1::uuid[])', [ids]);
}

/** Milliseconds until the spool's next upload is due (negative: overdue), null when it has none. */
export async function msUntilNextUpload(pool: Pool, spoolId: string): Promise<number | null | undefined> {
  const { rows } = await pool.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM min(next_try_at) - now()) * 1000)::float8 AS ms FROM recording_upload WHERE spool_id = $1`,
    [spoolId],
  );
  return rows[0]?.ms;
}

/** The next try in `delayMs`, with the error of this one (first 500 characters). */
export async function scheduleUploadRetry(pool: Pool, id: string, delayMs: number, error: string): Promise<void> {
  await pool.query(
    `UPDATE recording_upload SET next_try_at = now() + $2 * interval '1 millisecond', last_error = left($3, 500)
     WHERE id = $1`,
    [id, delayMs, error],
  );
}

export async function deleteRecordingUpload(client: PoolClient, id: string): Promise<void> {
  await client.query('DELETE FROM recording_upload WHERE id = $1', [id]);
}
