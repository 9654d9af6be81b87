/**
 * A trunk's calls per second, held across every worker and campaign that uses it:
 * `trunk_pacing.next_slot` hands out start times one interval apart; one UPDATE takes
 * `greatest(next_slot, now())` and moves it on, so concurrent takers get distinct slots and
 * a trunk idle for a while does not build up a burst. (Its concurrency limit is a lease,
 * see call-leases.ts.)
 */
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

/**
 * Common table expressions that take the trunk's next start slot, for a statement that also
 * records what the slot is for (see dial-ledger.ts): `slot(at, wait_ms)` is the slot and how
 * long from now it is. Parameters: `$1` the trunk id, `$2` {@link slotIntervalSeconds}. The
 * database's clock decides, read when the statement runs (`clock_timestamp()`, not the
 * transaction's start): workers' clocks may differ.
 */
export const TAKE_SLOT_CTES = `t AS (SELECT clock_timestamp() AS at),
  taken AS (
    INSERT INTO trunk_pacing AS p (trunk_id, next_slot) SELECT $1, t.at + make_interval(secs => $2) FROM t
    ON CONFLICT (trunk_id) DO UPDATE SET next_slot = greatest(p.next_slot, (SELECT at FROM t)) + make_interval(secs => $2)
    RETURNING p.next_slot - make_interval(secs => $2) AS at),
  slot AS (SELECT taken.at, greatest(0, extract(epoch FROM taken.at - t.at) * 1000)::float8 AS wait_ms FROM taken, t)`;

/** The time between two start slots of the trunk, in seconds. */
export const slotIntervalSeconds = (limits: TrunkLimits): number => 1 / Math.max(limits.callsPerSecond, 0.001);
