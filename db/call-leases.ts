/**
 * `call_lease`: the live calls' places under trunk and tenant limits (activities/call-leases.ts
 * explains the scheme). Renewal, the liveness check and the release; the taking, which picks
 * the trunk in the same transaction, is still activities/trunk-choice.ts's (db/README.md).
 */
import type { Pool } from './sql.js';

/** Pushes the attempt's leases `ttlSeconds` ahead; false when it holds none (they expired and were swept). */
export async function renewAttemptLeases(pool: Pool, attemptId: string, ttlSeconds: number): Promise<boolean> {
  const renewed = await pool.query(
    'UPDATE call_lease SET expires_at = now() + make_interval(secs => $2) WHERE attempt_id = $1',
    [attemptId, ttlSeconds],
  );
  return (renewed.rowCount ?? 0) > 0;
}

/** True while some execution of the attempt holds an unexpired lease. */
export async function attemptHoldsLease(pool: Pool, attemptId: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM call_lease WHERE attempt_id = $1 AND expires_at > now() LIMIT 1', [
    attemptId,
  ]);
  return rows.length > 0;
}

export async function deleteAttemptLeases(pool: Pool, attemptId: string): Promise<void> {
  await pool.query('DELETE FROM call_lease WHERE attempt_id = $1', [attemptId]);
}
