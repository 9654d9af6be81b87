/**
 * MikroORM on PostgreSQL. Migrations are committed under db/migrations and applied at
 * start-up (`migrateUp`), never auto-synced from the entities outside tests.
 */
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

export type Orm = MikroORM;

/** Serialises migrations across processes (API replicas, worker, `make migrate`). */
const MIGRATION_LOCK_ID = 0x766f6963; // "voic"

export function ormOptions(database: Config['database'], logger?: Logger): Options {
  return defineConfig({
    clientUrl: database.url,
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 0, max: database.poolMax },
    migrations: {
      migrationsList: MIGRATIONS,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    discovery: { checkDuplicateTableNames: true },
    debug: false,
    logger: (message) => logger?.debug({ orm: true }, message),
  });
}

export async function createOrm(database: Config['database'], logger?: Logger): Promise<Orm> {
  return MikroORM.init(ormOptions(database, logger));
}

/** Applies pending migrations under a PostgreSQL advisory lock; returns the names applied. */
export async function migrateUp(orm: Orm): Promise<string[]> {
  const connection = orm.em.getConnection();
  const pool = await connection.getNativeClient();
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    client.release();
  }
}
