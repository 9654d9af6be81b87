/**
 * A scratch database on the test stack's PostgreSQL (the application role has CREATEDB):
 * for tests that must see a database from its first start, or that rewrite every sealed
 * value, without disturbing the shared one.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { readStack } from './stack';

export interface ScratchDb {
  readonly url: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

export async function createScratchDb(): Promise<ScratchDb> {
  const base = new URL(readStack().databaseUrl);
  const name = `scratch_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new Pool({ connectionString: base.toString(), max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 2 });
  // DROP … WITH (FORCE) ends connections a test left open; that is no test failure.
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
