/**
 * `login_failure`: the sliding windows of auth/login-throttle.ts, shared by API replicas.
 * A reservation runs in one transaction under advisory locks on its keys (address first,
 * then pair), so parallel guesses cannot all pass the check.
 */
import type { Pool, PoolClient } from './sql.js';

/** Takes the transaction-scoped advisory lock of one throttle key. */
export async function lockFailureKey(client: PoolClient, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}

/** Failures of `key` inside the last `windowSeconds`. */
export async function recentFailures(client: PoolClient, key: string, windowSeconds: number): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM login_failure WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)`,
    [key, windowSeconds],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Seconds until the `skip`+1-th most recent failure of `key` leaves the window, or
 * undefined when there are not that many failures inside it.
 */
export async function failureWindowWait(
  client: PoolClient,
  key: string,
  windowSeconds: number,
  skip: number,
): Promise<number | undefined> {
  const { rows } = await client.query<{ wait: string }>(
    `SELECT ceil(extract(epoch FROM failed_at + make_interval(secs => $2) - now())) AS wait
     FROM login_failure WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)
     ORDER BY failed_at DESC OFFSET $3 LIMIT 1`,
    [key, windowSeconds, skip],
  );
  return rows[0] ? Number(rows[0].wait) : undefined;
}

/** One failure row now for each of the three keys; returns their ids. */
export async function insertFailures(client: PoolClient, keys: readonly [string, string, string]): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO login_failure (key, failed_at) VALUES ($1, now()), ($2, now()), ($3, now()) RETURNING id`,
    [...keys],
  );
  return rows.map((r) => String(r.id));
}

/** Deletes the reserved rows and every failure of `keys`. */
export async function deleteFailures(pool: Pool, ids: readonly string[], keys: readonly string[]): Promise<void> {
  await pool.query('DELETE FROM login_failure WHERE id = ANY($1::bigint[]) OR key = ANY($2::text[])', [ids, keys]);
}

export async function purgeFailures(pool: Pool, windowSeconds: number): Promise<void> {
  await pool.query(`DELETE FROM login_failure WHERE failed_at < now() - make_interval(secs => $1)`, [windowSeconds]);
}
