/**
 * `dial_ledger`: one row per dial, written before its INVITE (activities/dial-ledger.ts
 * explains the frequency cap and the `uk` hold it serves). The checks run in the caller's
 * transaction under {@link lockDialTarget}; the row is taken with the trunk's start slot in
 * one statement (db/pacing.ts).
 */
import { ABANDONED_CALL_SQL } from '../campaign/compliance-profile.js';
import { TAKE_TRUNK_SLOT_CTES } from './pacing.js';
import type { Pool, PoolClient } from './sql.js';

/** Who is dialled, for which attempt. */
export interface DialEntry {
  readonly ownerId: string;
  readonly phone: string;
  readonly attemptId: string;
}

/** The advisory lock on (owner, number), to the end of the caller's transaction: its dials are serialised. */
export async function lockDialTarget(client: PoolClient, ownerId: string, phone: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('dial_ledger:' || $1 || ':' || $2, 0))`, [
    ownerId,
    phone,
  ]);
}

/**
 * The database's clock now and the end of the owner's last abandoned call to the number
 * within `lookbackSeconds` of invite time (null: none), in ms. Reads the journal
 * (`call_record`) by (owner, number, invite time), its index, under the dial's lock.
 */
export async function lastAbandonedCall(
  client: PoolClient,
  ownerId: string,
  phone: string,
  lookbackSeconds: number,
): Promise<{ now_ms: number; last_ms: number | null } | undefined> {
  const { rows } = await client.query<{ now_ms: number; last_ms: number | null }>(
    `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms,
       (extract(epoch FROM max(end_at)) * 1000)::float8 AS last_ms
     FROM call_record
     WHERE owner_id = $1 AND phone_e164 = $2 AND invite_at > clock_timestamp() - make_interval(secs => $3)
       AND ${ABANDONED_CALL_SQL}`,
    [ownerId, phone, lookbackSeconds],
  );
  return rows[0];
}

/**
 * The database's clock now (`now_ms`, on every row) and the owner's dials of the number
 * after `now - windowSeconds`, later start slots included (`dialled_ms`; one row with null
 * when there is none), in ms.
 */
export async function dialsInWindow(
  client: PoolClient,
  ownerId: string,
  phone: string,
  windowSeconds: number,
): Promise<{ now_ms: number; dialled_ms: number | null }[]> {
  const { rows } = await client.query<{ now_ms: number; dialled_ms: number | null }>(
    `WITH t AS (SELECT clock_timestamp() AS at)
     SELECT (extract(epoch FROM t.at) * 1000)::float8 AS now_ms, (extract(epoch FROM d.dialled_at) * 1000)::float8 AS dialled_ms
     FROM t LEFT JOIN dial_ledger d
       ON d.owner_id = $1 AND d.phone_e164 = $2 AND d.dialled_at > t.at - make_interval(secs => $3)`,
    [ownerId, phone, windowSeconds],
  );
  return rows;
}

/**
 * Takes the trunk's next start slot (`intervalSeconds` after the last) and records the dial
 * at it, in one statement: the row's id, the slot and how long from now it is (ms).
 */
export async function insertDialAtTrunkSlot(
  db: Pool | PoolClient,
  trunkId: string,
  intervalSeconds: number,
  entry: DialEntry,
): Promise<{ id: string; slot_ms: number; wait_ms: number } | undefined> {
  const { rows } = await db.query<{ id: string; slot_ms: number; wait_ms: number }>(
    `WITH ${TAKE_TRUNK_SLOT_CTES},
       entry AS (
         INSERT INTO dial_ledger (owner_id, phone_e164, attempt_id, dialled_at)
         SELECT $3, $4, $5, slot.at FROM slot RETURNING id)
     SELECT entry.id, (extract(epoch FROM slot.at) * 1000)::float8 AS slot_ms, slot.wait_ms FROM slot, entry`,
    [trunkId, intervalSeconds, entry.ownerId, entry.phone, entry.attemptId],
  );
  return rows[0];
}

export async function deleteDialEntry(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM dial_ledger WHERE id = $1', [id]);
}

/** Whether the attempt has a dial recorded. */
export async function attemptHasDial(pool: Pool, attemptId: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM dial_ledger WHERE attempt_id = $1 LIMIT 1', [attemptId]);
  return rows.length > 0;
}

/** Deletes up to `batch` rows older than `retentionSeconds`. */
export async function pruneDialEntries(pool: Pool, retentionSeconds: number, batch: number): Promise<void> {
  await pool.query(
    `DELETE FROM dial_ledger WHERE id IN (
       SELECT id FROM dial_ledger WHERE dialled_at < now() - make_interval(secs => $1) LIMIT $2)`,
    [retentionSeconds, batch],
  );
}

/** The advisory lock on (department, number) or, with `phone` null, on the department's day. */
export async function lockDepartmentDials(
  client: PoolClient,
  departmentId: string,
  phone: string | null,
): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('dial_ledger:dept:' || $1 || ':' || $2, 0))`, [
    departmentId,
    phone ?? 'day',
  ]);
}

/** As {@link dialsInWindow}, counting the dials of every member of the department. */
export async function departmentDialsInWindow(
  client: PoolClient,
  departmentId: string,
  phone: string,
  windowSeconds: number,
): Promise<{ now_ms: number; dialled_ms: number | null }[]> {
  const { rows } = await client.query<{ now_ms: number; dialled_ms: number | null }>(
    `WITH t AS (SELECT clock_timestamp() AS at)
     SELECT (extract(epoch FROM t.at) * 1000)::float8 AS now_ms, (extract(epoch FROM d.dialled_at) * 1000)::float8 AS dialled_ms
     FROM t LEFT JOIN dial_ledger d
       ON d.owner_id IN (SELECT id FROM "user" WHERE department_id = $1) AND d.phone_e164 = $2
          AND d.dialled_at > t.at - make_interval(secs => $3)`,
    [departmentId, phone, windowSeconds],
  );
  return rows;
}

/** The database's clock now and the dials of the department's members since the start of the UTC day. */
export async function departmentDialsToday(
  client: PoolClient,
  departmentId: string,
): Promise<{ now_ms: number; dials: number }> {
  const { rows } = await client.query<{ now_ms: number; dials: string }>(
    `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms, count(*) AS dials FROM dial_ledger
     WHERE owner_id IN (SELECT id FROM "user" WHERE department_id = $1)
       AND dialled_at >= date_trunc('day', clock_timestamp() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
    [departmentId],
  );
  return { now_ms: Number(rows[0]?.now_ms), dials: Number(rows[0]?.dials ?? 0) };
}
