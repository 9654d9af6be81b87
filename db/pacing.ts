/**
 * `trunk_pacing` and `campaign_pacing`: the calls-per-second pacers' next start slots
 * (activities/trunk-limits.ts explains the scheme). One statement shape for both: it takes
 * `greatest(next_slot, now())` and moves it on by one interval.
 */
import type { Pool } from './sql.js';

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
 * dial-ledger.ts); `$2` is the trunk's interval between slots in seconds.
 */
export const TAKE_TRUNK_SLOT_CTES = takeSlotCtes(PACERS.trunk);

const TAKE_CAMPAIGN_SLOT = `WITH ${takeSlotCtes(PACERS.campaign)} SELECT wait_ms FROM slot`;

/** Takes the campaign's next start slot, `intervalSeconds` after the last; how many ms from now it is. */
export async function takeCampaignSlot(pool: Pool, campaignId: string, intervalSeconds: number): Promise<number> {
  const { rows } = await pool.query<{ wait_ms: number }>(TAKE_CAMPAIGN_SLOT, [campaignId, intervalSeconds]);
  return Number(rows[0]?.wait_ms ?? 0);
}
