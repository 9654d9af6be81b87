/**
 * Calls per second, held across every worker: `trunk_pacing.next_slot` (the trunk's
 * `maxCallsPerSecond`, across every campaign using it) and `campaign_pacing.next_slot` (the
 * campaign's own `callsPerSecond`) hand out start times one interval apart; one UPDATE takes
 * `greatest(next_slot, now())` and moves it on, so concurrent takers get distinct slots and
 * an idle pacer does not build up a burst. A call waits for its campaign's slot first, then
 * takes the trunk's: the trunk's limit holds exactly, the campaign's on average (a call
 * delayed by the trunk may start closer to the campaign's next one), and a slow campaign
 * never holds back the others on its trunk. (The trunk's concurrency limit is a lease, see
 * call-leases.ts.)
 */
import type { Pool } from '../db/sql.js';
import type { LeaseLimit, Sleep } from './call-leases.js';
import { trunkScope } from './call-leases.js';

export interface TrunkLimits {
  readonly trunkId: string;
  readonly maxConcurrentCalls: number;
  /** The trunk's max calls per second (the campaign's own rate is paced by {@link waitForCampaignSlot}). */
  readonly callsPerSecond: number;
}

/** The trunk's concurrency limit as a lease limit. */
export const trunkLeaseLimit = (limits: TrunkLimits): LeaseLimit => ({
  scope: trunkScope(limits.trunkId),
  max: limits.maxConcurrentCalls,
});

/** The pacers: each hands out start slots one interval apart, keyed by its owner's id. */
const PACERS = {
  trunk: { table: 'trunk_pacing', key: 'trunk_id' },
  campaign: { table: 'campaign_pacing', key: 'campaign_id' },
} as const;

/**
 * Common table expressions that take a pacer's next start slot: `slot(at, wait_ms)` is the
 * slot and how long from now it is. Parameters: `$1` the trunk's (or campaign's) id, `$2`
 * the interval in seconds. The database's clock decides, read when the statement runs
 * (`clock_timestamp()`, not the transaction's start): workers' clocks may differ.
 */
const takeSlotCtes = ({ table, key }: (typeof PACERS)[keyof typeof PACERS]) => `t AS (SELECT clock_timestamp() AS at),
  taken AS (
    INSERT INTO ${table} AS p (${key}, next_slot) SELECT $1, t.at + make_interval(secs => $2) FROM t
    ON CONFLICT (${key}) DO UPDATE SET next_slot = greatest(p.next_slot, (SELECT at FROM t)) + make_interval(secs => $2)
    RETURNING p.next_slot - make_interval(secs => $2) AS at),
  slot AS (SELECT taken.at, greatest(0, extract(epoch FROM taken.at - t.at) * 1000)::float8 AS wait_ms FROM taken, t)`;

/**
 * The trunk's slot, for a statement that also records what the slot is for (see
 * dial-ledger.ts); `$2` is {@link slotIntervalSeconds}.
 */
export const TAKE_SLOT_CTES = takeSlotCtes(PACERS.trunk);

const TAKE_CAMPAIGN_SLOT = `WITH ${takeSlotCtes(PACERS.campaign)} SELECT wait_ms FROM slot`;

/** The time between two start slots of the trunk, in seconds. */
export const slotIntervalSeconds = (limits: TrunkLimits): number => 1 / Math.max(limits.callsPerSecond, 0.001);

/** Takes the campaign's next start slot (one per 1 / `callsPerSecond`) and waits for it. */
export async function waitForCampaignSlot(
  pool: Pool,
  campaignId: string,
  callsPerSecond: number,
  sleep: Sleep,
): Promise<void> {
  const { rows } = await pool.query<{ wait_ms: number }>(TAKE_CAMPAIGN_SLOT, [
    campaignId,
    1 / Math.max(callsPerSecond, 0.001),
  ]);
  const waitMs = Number(rows[0]?.wait_ms ?? 0);
  if (waitMs > 0) await sleep(waitMs);
}
