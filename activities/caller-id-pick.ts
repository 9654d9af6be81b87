/**
 * The caller ID of one call when its campaign has a pool (campaign/caller-id-pool.ts): today's
 * counts of the pool's numbers (the owner's, UTC day) are read, the numbers ordered by the
 * strategy, and the first one taken with a conditional upsert that only counts while the
 * number is below its cap, so concurrent calls on any worker never take a number past it (a
 * lost race tries the next number). Every number at its cap: the campaign's own caller ID.
 */
import { callerIdUsageToday, takeCallerIdNumber } from '../db/caller-id-usage.js';
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
  const used = await callerIdUsageToday(pool, ownerId, callerIdPool.numbers);
  for (const number of callerIdOrder(callerIdPool, callee, used)) {
    if (await takeCallerIdNumber(pool, ownerId, number, callerIdPool.dailyCapPerNumber)) {
      return { number, ...(fallback?.displayName ? { displayName: fallback.displayName } : {}) };
    }
  }
  return fallback;
}
