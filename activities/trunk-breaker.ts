/**
 * Trunks' circuit breakers, in PostgreSQL (`trunk_health`) so that every worker sees the
 * same state. A trunk that fails technically (campaign/trunk-failover.ts) `failures` times
 * in a row is held down for `holdSeconds`: every campaign's group skips it (trunk-choice.ts)
 * and `GET /trunks/{id}` shows it. When the hold is over, one call half-opens it: an answer
 * about the callee (or an answered call) closes the breaker, another technical failure holds
 * it down again at once (its failures are still at the threshold).
 *
 *   up ──(failures in a row ≥ threshold)──▶ down ──(hold over)──▶ half-open: one call
 *    ▲                                        ▲                         │
 *    └──────────── the trunk answered ────────┴──── failed again ───────┘
 */
import type { Pool } from '../db/sql.js';

export interface BreakerSettings {
  /** Technical failures in a row that hold a trunk down (TRUNK_BREAKER_FAILURES); 0: never. */
  readonly failures: number;
  /** How long it is held down before one call tries it again (TRUNK_BREAKER_HOLD_SECONDS). */
  readonly holdSeconds: number;
}

/** Defaults: five technical failures in a row hold a trunk down for 30 s. */
export const DEFAULT_BREAKER: BreakerSettings = { failures: 5, holdSeconds: 30 };

/** Counts a technical failure of the trunk; the threshold reached (or a half-open call failed), it goes down. */
export async function recordTrunkFailure(
  pool: Pool,
  trunkId: string,
  reason: string,
  breaker: BreakerSettings,
): Promise<void> {
  await pool.query(
    `INSERT INTO trunk_health AS h (trunk_id, consecutive_failures, down_until, last_failure_at, last_failure, updated_at)
     SELECT $1, 1, CASE WHEN $3 > 0 AND 1 >= $3 THEN now() + make_interval(secs => $4) END, now(), $2, now()
     WHERE EXISTS (SELECT 1 FROM sip_trunk WHERE id = $1)
     ON CONFLICT (trunk_id) DO UPDATE SET consecutive_failures = h.consecutive_failures + 1,
       down_until = CASE WHEN $3 > 0 AND h.consecutive_failures + 1 >= $3 THEN now() + make_interval(secs => $4)
         ELSE h.down_until END,
       last_failure_at = now(), last_failure = excluded.last_failure, updated_at = now()`,
    [trunkId, reason.slice(0, 200), breaker.failures, breaker.holdSeconds],
  );
}

/** The trunk answered: its failures start again from none and it is up (one write only when it was not). */
export async function recordTrunkAnswer(pool: Pool, trunkId: string): Promise<void> {
  await pool.query(
    `UPDATE trunk_health SET consecutive_failures = 0, down_until = NULL, updated_at = now()
     WHERE trunk_id = $1 AND (consecutive_failures > 0 OR down_until IS NOT NULL)`,
    [trunkId],
  );
}
