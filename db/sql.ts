/**
 * Plain SQL on the ORM's own `pg` pool, for infrastructure tables (oidc-provider storage,
 * keys, login throttling) where an identity map would only get in the way.
 */
import type { Pool, PoolClient } from 'pg';
import type { Orm } from './orm.js';

export type { Pool, PoolClient } from 'pg';

export async function nativePool(orm: Orm): Promise<Pool> {
  return orm.em.getConnection().getNativeClient();
}

/** Runs `work` in a transaction on one pooled connection; rolls back on any error. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
