/**
 * A trunk's limits, held across every worker and campaign that uses it, in PostgreSQL:
 *
 * - Concurrency: a live call holds a row in `trunk_lease` that expires unless renewed. A
 *   lease is taken only while fewer than `max_concurrent_calls` unexpired leases exist, the
 *   check-and-insert serialised per trunk by a transaction-scoped advisory lock. A worker
 *   that dies stops renewing; its leases expire after {@link LEASE_TTL_SECONDS} and are
 *   ignored (and swept by the next taker).
 * - Calls per second: `trunk_pacing.next_slot` hands out start times one interval apart;
 *   one UPDATE takes `greatest(next_slot, now())` and moves it on, so concurrent takers get
 *   distinct slots and a trunk idle for a while does not build up a burst.
 *
 * Every wait goes through `sleep`, which the activity makes cancellable.
 */
import type { Pool } from '../db/sql.js';
import { inTransaction } from '../db/sql.js';

/** A lease not renewed for this long belongs to a dead worker. */
export const LEASE_TTL_SECONDS = 15;
/** Renew this often (well inside the TTL, so one slow renewal does not lose the lease). */
export const LEASE_RENEW_MS = 4000;
/** How often a caller waiting for a free line looks again (with jitter, so waiters spread). */
const LEASE_POLL_MS = 150;

export interface TrunkLimits {
  readonly trunkId: string;
  readonly maxConcurrentCalls: number;
  /** min(trunk's max calls per second, campaign's calls per second). */
  readonly callsPerSecond: number;
}

export type Sleep = (ms: number) => Promise<void>;

/**
 * Another execution of the same attempt holds a live lease (Temporal gave the attempt to a
 * second worker while the first still runs it): this one must not dial. Retryable: once the
 * first has finished, the retry finds its result in the journal.
 */
export class AttemptBusyError extends Error {
  override readonly name = 'AttemptBusyError';
}

/**
 * Waits until a line of the trunk is free and takes it for `attemptId`; the lease doubles
 * as the attempt's lock, so throws {@link AttemptBusyError} when it is held already.
 */
export async function acquireLease(pool: Pool, limits: TrunkLimits, attemptId: string, sleep: Sleep): Promise<void> {
  for (;;) {
    const taken = await inTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('trunk_lease:' || $1, 0))`, [limits.trunkId]);
      await client.query('DELETE FROM trunk_lease WHERE trunk_id = $1 AND expires_at <= now()', [limits.trunkId]);
      const { rows } = await client.query<{ total: string; mine: string }>(
        'SELECT count(*) AS total, count(*) FILTER (WHERE attempt_id = $2) AS mine FROM trunk_lease WHERE trunk_id = $1',
        [limits.trunkId, attemptId],
      );
      if (Number(rows[0]?.mine) > 0) throw new AttemptBusyError(`attempt ${attemptId} is running elsewhere`);
      if (Number(rows[0]?.total) >= limits.maxConcurrentCalls) return false;
      await client.query(
        'INSERT INTO trunk_lease (trunk_id, attempt_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))',
        [limits.trunkId, attemptId, LEASE_TTL_SECONDS],
      );
      return true;
    });
    if (taken) return;
    await sleep(LEASE_POLL_MS / 2 + Math.random() * LEASE_POLL_MS);
  }
}

/** Keeps the lease alive; false when it was lost (expired and swept: the line may be reused). */
export async function renewLease(pool: Pool, trunkId: string, attemptId: string): Promise<boolean> {
  const renewed = await pool.query(
    `UPDATE trunk_lease SET expires_at = now() + make_interval(secs => $3) WHERE trunk_id = $1 AND attempt_id = $2`,
    [trunkId, attemptId, LEASE_TTL_SECONDS],
  );
  return (renewed.rowCount ?? 0) > 0;
}

export async function releaseLease(pool: Pool, trunkId: string, attemptId: string): Promise<void> {
  await pool.query('DELETE FROM trunk_lease WHERE trunk_id = $1 AND attempt_id = $2', [trunkId, attemptId]);
}

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
