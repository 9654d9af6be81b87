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
 *
 * The statements that count failures and answers are db/trunk-health.ts's.
 */
export interface BreakerSettings {
  /** Technical failures in a row that hold a trunk down (TRUNK_BREAKER_FAILURES); 0: never. */
  readonly failures: number;
  /** How long it is held down before one call tries it again (TRUNK_BREAKER_HOLD_SECONDS). */
  readonly holdSeconds: number;
}

/** Defaults: five technical failures in a row hold a trunk down for 30 s. */
export const DEFAULT_BREAKER: BreakerSettings = { failures: 5, holdSeconds: 30 };
