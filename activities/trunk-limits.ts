/**
 * Calls per second, held across every worker: `trunk_pacing.next_slot` (the trunk's
 * `maxCallsPerSecond`, across every campaign using it) and `campaign_pacing.next_slot` (the
 * campaign's own `callsPerSecond`) hand out start times one interval apart; one UPDATE takes
 * `greatest(next_slot, now())` and moves it on, so concurrent takers get distinct slots and
 * an idle pacer does not build up a burst. A call waits for its campaign's slot first, then
 * takes the trunk's: the trunk's limit holds exactly, the campaign's on average (a call
 * delayed by the trunk may start closer to the campaign's next one), and a slow campaign
 * never holds back the others on its trunk. (The trunk's concurrency limit is a lease, see
 * call-leases.ts.) The pacers' statements are db/pacing.ts's.
 */
import type { Pool } from '../db/sql.js';
import { takeCampaignSlot } from '../db/pacing.js';
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

/** The time between two start slots of the trunk, in seconds. */
export const slotIntervalSeconds = (limits: TrunkLimits): number => 1 / Math.max(limits.callsPerSecond, 0.001);

/** Takes the campaign's next start slot (one per 1 / `callsPerSecond`) and waits for it. */
export async function waitForCampaignSlot(
  pool: Pool,
  campaignId: string,
  callsPerSecond: number,
  sleep: Sleep,
): Promise<void> {
  const waitMs = await takeCampaignSlot(pool, campaignId, 1 / Math.max(callsPerSecond, 0.001));
  if (waitMs > 0) await sleep(waitMs);
}
