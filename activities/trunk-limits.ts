/**
 * A trunk's calls per second, held across every worker and campaign that uses it:
 * `trunk_pacing.next_slot` hands out start times one interval apart; one UPDATE takes
 * `greatest(next_slot, now())` and moves it on, so concurrent takers get distinct slots and
 * a trunk idle for a while does not build up a burst. (Its concurrency limit is a lease,
 * see call-leases.ts.) The wait goes through `sleep`, which the activity makes cancellable.
 */
import type { Pool } from '../db/sql.js';
import type { LeaseLimit, Sleep } from './call-leases.js';
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

/** Takes the trunk's next start slot and waits for it. */
export async function waitForSlot(pool: Pool, limits: TrunkLimits, sleep: Sleep): Promise<void> {
  const interval = 1 / Math.max(limits.callsPerSecond, 0.001);
  // The wait is computed by the database against its own clock: workers' clocks may differ.
  const { rows } = await pool.query<{ wait_ms: number }>(
    `INSERT INTO trunk_pacing AS p (trunk_id, next_slot) VALUES ($1, now() + make_interval(secs => $2))
     ON CONFLICT (trunk_id) DO UPDATE SET next_slot = greatest(p.next_slot, now()) + make_interval(secs => $2)
     RETURNING greatest(0, extract(epoch FROM (p.next_slot - make_interval(secs => $2) - now())) * 1000)::float8 AS wait_ms`,
    [limits.trunkId, interval],
  );
  const waitMs = rows[0]?.wait_ms ?? 0;
  if (waitMs > 0) await sleep(waitMs);
}
