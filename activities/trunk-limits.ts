/**
 * A trunk's calls per second, held across every worker and campaign that uses it:
 * `trunk_pacing.next_slot` hands out start times one interval apart; one UPDATE takes
 * `greatest(next_slot, now())` and moves it on, so concurrent takers get distinct slots and
 * a trunk idle for a while does not build up a burst. (Its concurrency limit is a lease,
 * see call-leases.ts.)
 */
import type { Pool, PoolClient } from '../db/sql.js';
import type { LeaseLimit } from './call-leases.js';
import { trunkScope } from './call-leases.js';

export interface TrunkLimits {
  readonly trunkId: string;
  readonly maxConcurrentCalls: number;
  /** min(trunk's max calls per second, campaign's calls per second). */
  readonly callsPerSecond: number;
}

/** The trunk's concurrency limit as a lease limit. */
export const trunkLeaseLimit = (limits: TrunkLimits): LeaseLimit => ({
  scope: trunkScope(limits.trunkId),
  max: limits.maxConcurrentCalls,
});

/** A start slot: when the call may start, and how long from now that is (both on the database's clock). */
export interface StartSlot {
  readonly at: Date;
  readonly waitMs: number;
}

/**
 * Takes the trunk's next start slot, on `db` (a pool, or a client inside a transaction: a
 * rolled-back slot is given back). The database's clock decides, read when the statement
 * runs (not at the transaction's start): workers' clocks may differ.
 */
export async function takeSlot(db: Pool | PoolClient, limits: TrunkLimits): Promise<StartSlot> {
  const interval = 1 / Math.max(limits.callsPerSecond, 0.001);
  const { rows } = await db.query<{ slot_ms: number; wait_ms: number }>(
    `WITH t AS (SELECT clock_timestamp() AS at)
     INSERT INTO trunk_pacing AS p (trunk_id, next_slot) SELECT $1, t.at + make_interval(secs => $2) FROM t
     ON CONFLICT (trunk_id) DO UPDATE SET next_slot = greatest(p.next_slot, (SELECT at FROM t)) + make_interval(secs => $2)
     RETURNING (extract(epoch FROM p.next_slot - make_interval(secs => $2)) * 1000)::float8 AS slot_ms,
       greatest(0, extract(epoch FROM (p.next_slot - make_interval(secs => $2) - (SELECT at FROM t))) * 1000)::float8
         AS wait_ms`,
    [limits.trunkId, interval],
  );
  const row = rows[0];
  return { at: new Date(Number(row?.slot_ms)), waitMs: Number(row?.wait_ms ?? 0) };
}
