/**
 * `caller_id_usage`: today's calls per pool number and owner (UTC day), counted by
 * activities/caller-id-pick.ts with a conditional upsert, so concurrent calls on any worker
 * never take a number past its cap.
 */
import type { Pool } from './sql.js';

/** Today's calls of each of `numbers` that has any. */
export async function callerIdUsageToday(
  pool: Pool,
  ownerId: string,
  numbers: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ number: string; calls: number }>(
    `SELECT number, calls FROM caller_id_usage
     WHERE owner_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date AND number = ANY($2::text[])`,
    [ownerId, numbers],
  );
  return new Map(rows.map((r) => [r.number, r.calls]));
}

/** Counts one call on `number` today unless it is at `cap` already; true when counted. */
export async function takeCallerIdNumber(pool: Pool, ownerId: string, number: string, cap: number): Promise<boolean> {
  const taken = await pool.query(
    `INSERT INTO caller_id_usage (owner_id, number, day, calls)
     VALUES ($1, $2, (now() AT TIME ZONE 'UTC')::date, 1)
     ON CONFLICT (owner_id, number, day) DO UPDATE SET calls = caller_id_usage.calls + 1
     WHERE caller_id_usage.calls < $3`,
    [ownerId, number, cap],
  );
  return (taken.rowCount ?? 0) > 0;
}
