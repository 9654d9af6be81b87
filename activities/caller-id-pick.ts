/**
 * The caller ID of one call when its campaign has a pool (campaign/caller-id-pool.ts): today's
 * counts of the pool's numbers (the owner's, UTC day) are read, the numbers ordered by the
 * strategy, and the first one taken with a conditional upsert that only counts while the
 * number is below its cap, so concurrent calls on any worker never take a number past it (a
 * lost race tries the next number). Every number at its cap: the campaign's own caller ID.
 */
import type { Pool } from '../db/sql.js';
import { callerIdOrder, type CallerIdPool } from '../campaign/caller-id-pool.js';
import type { TrunkConfig } from '../telephony/call-types.js';

type CallerId = TrunkConfig['callerId'];

/** The caller ID to send: a pool number (counted), else `fallback` (the campaign's, or undefined: the trunk's). */
export async function pickCallerId(
  pool: Pool,
  ownerId: string,
  callerIdPool: CallerIdPool | null,
  callee: string,
  fallback: CallerId | undefined,
): Promise<CallerId | undefined> {
  if (!callerIdPool) return fallback;
  const { rows } = await pool.query<{ number: string; calls: number }>(
    `SELECT number, calls FROM caller_id_usage
     WHERE owner_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date AND number = ANY($2::text[])`,
    [ownerId, callerIdPool.numbers],
  );
  const used = new Map(rows.map((r) => [r.number, r.calls]));
  for (const number of callerIdOrder(callerIdPool, callee, used)) {
    const taken = await pool.query(
      `INSERT INTO caller_id_usage (owner_id, number, day, calls)
       VALUES ($1, $2, (now() AT TIME ZONE 'UTC')::date, 1)
       ON CONFLICT (owner_id, number, day) DO UPDATE SET calls = caller_id_usage.calls + 1
       WHERE caller_id_usage.calls < $3`,
      [ownerId, number, callerIdPool.dailyCapPerNumber],
    );
    if ((taken.rowCount ?? 0) > 0) {
      return { number, ...(fallback?.displayName ? { displayName: fallback.displayName } : {}) };
    }
  }
  return fallback;
}
