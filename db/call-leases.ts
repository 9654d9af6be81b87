/**
 * `call_lease`: the live calls' places under trunk and tenant limits (activities/call-leases.ts
 * explains the scheme). The taking (activities/trunk-choice.ts picks the trunk in the same
 * transaction, under the scopes' advisory locks), renewal, the liveness check and the release.
 */
import type { Pool, PoolClient } from './sql.js';

/** Live leases of one scope: the other attempts' and this attempt's own. */
export interface ScopeLeases {
  scope: string;
  others: string;
  mine: string;
}

/**
 * Takes the scopes' advisory locks (held to the end of the caller's transaction; `scopes`
 * sorted, so two takers never wait on each other in a cycle), sweeps their expired leases and
 * counts the live ones.
 *
 * Two round trips, whatever the number of scopes: every other taker of the trunk waits for
 * this transaction, so each statement inside it costs them all (issue 23's `leases` step).
 * - The locks in one statement, in the array's order: PostgreSQL evaluates a volatile
 *   function of the select list after the sort (`ORDER BY i`), one row at a time.
 * - The sweep and the count in the next one, which starts after the locks are held, so its
 *   snapshot sees every lease committed before. Its count reads that snapshot, from before
 *   the sweep: it leaves out the expired leases itself (`now()` is the transaction's, the
 *   same in both).
 */
export async function lockAndCountLeases(
  client: PoolClient,
  scopes: readonly string[],
  attemptId: string,
): Promise<ScopeLeases[]> {
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('call_lease:' || scope, 0))
     FROM unnest($1::text[]) WITH ORDINALITY AS s(scope, i) ORDER BY i`,
    [scopes],
  );
  const { rows } = await client.query<ScopeLeases>(
    `WITH swept AS (DELETE FROM call_lease WHERE scope = ANY($1) AND expires_at <= now())
     SELECT scope, count(*) FILTER (WHERE attempt_id <> $2) AS others, count(*) FILTER (WHERE attempt_id = $2) AS mine
     FROM call_lease WHERE scope = ANY($1) AND expires_at > now() GROUP BY scope`,
    [scopes, attemptId],
  );
  return rows;
}

/** One lease per scope for the attempt, `ttlSeconds` ahead (the caller holds the scopes' locks). */
export async function insertLeases(
  client: PoolClient,
  scopes: readonly string[],
  attemptId: string,
  ttlSeconds: number,
): Promise<void> {
  await client.query(
    `INSERT INTO call_lease (scope, attempt_id, expires_at)
     SELECT unnest($1::text[]), $2, now() + make_interval(secs => $3)`,
    [scopes, attemptId, ttlSeconds],
  );
}

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

/** Releases the attempt's leases (in the caller's transaction when it swaps them for others). */
export async function deleteAttemptLeases(db: Pool | PoolClient, attemptId: string): Promise<void> {
  await db.query('DELETE FROM call_lease WHERE attempt_id = $1', [attemptId]);
}
