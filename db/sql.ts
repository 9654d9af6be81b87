/**
 * Plain SQL on the ORM's own `pg` pool: the pool, transactions, and the helpers the table
 * modules of db/ share (db/README.md: the ORM for entity CRUD, SQL for set-based and
 * locking statements, all of it in db/).
 */
import type { Pool, PoolClient } from 'pg';
import type { Orm } from './orm.js';

export type { Pool, PoolClient } from 'pg';

export async function nativePool(orm: Orm): Promise<Pool> {
  return orm.em.getConnection().getNativeClient();
}

/** The readiness probe's round trip (the API's /readyz and the worker's describeWorker). */
export async function pingDatabase(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
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

/**
 * Runs `work` in a transaction on a connection of its own, without the pool's statement and
 * idle-in-transaction timeouts: an import streams a whole file (1M rows and more) through COPY
 * in one transaction, bounded by the upload size, not by per-statement timeouts (F11). Rolls
 * back on any error; a connection that could not roll back is closed rather than reused.
 */
export async function inUntimedTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: Error) => rollbackError,
    );
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * A long INSERT's column list and value list from one list of columns, each with the SQL
 * that fills it (a parameter, a literal, a column of the SELECT it copies from), so the two
 * lists cannot drift apart: `INSERT INTO t (${names}) VALUES (${values})`, or
 * `… (${names}) SELECT ${values} FROM …`. Keys are trusted identifiers, never input.
 */
export function insertColumns(columns: Readonly<Record<string, string>>): { names: string; values: string } {
  return { names: Object.keys(columns).join(', '), values: Object.values(columns).join(', ') };
}

/** Each column filled from the column of the same name (an `INSERT … SELECT` copying them). */
export const sameColumns = (names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, name]));
