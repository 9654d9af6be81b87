/**
 * MikroORM on PostgreSQL. Migrations are committed under db/migrations and applied by
 * `make migrate` (db/migrate.ts) or at the API's start-up (MIGRATE_ON_START), never auto-synced
 * from the entities outside tests.
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

/** What the ORM needs of `Config['database']`; without the timeouts a connection has none (benches). */
export type DatabaseOptions = Pick<Config['database'], 'url' | 'poolMax'> &
  Partial<Pick<Config['database'], 'connectTimeoutMs' | 'statementTimeoutMs' | 'idleInTransactionTimeoutMs'>>;

/**
 * The same database without `statement_timeout` and `idle_in_transaction_session_timeout`:
 * for migrations, whose statements (an index built concurrently) may rightly run for minutes
 * on a large table.
 */
export function withoutTimeouts(database: DatabaseOptions): DatabaseOptions {
  return { ...database, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 };
}

export function ormOptions(database: DatabaseOptions, logger?: Logger): Options {
  return defineConfig({
    clientUrl: database.url,
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 0, max: database.poolMax },
    // pg pool options (F11): a request waits at most connectTimeoutMs for a connection, and
    // PostgreSQL ends a statement or an idle transaction that outlives its timeout, so no
    // request can hold a pooled connection for ever. 0 (or unset) = no timeout.
    driverOptions: {
      ...(database.connectTimeoutMs ? { connectionTimeoutMillis: database.connectTimeoutMs } : {}),
      ...(database.statementTimeoutMs ? { statement_timeout: database.statementTimeoutMs } : {}),
      ...(database.idleInTransactionTimeoutMs
        ? { idle_in_transaction_session_timeout: database.idleInTransactionTimeoutMs }
        : {}),
    },
    migrations: {
      migrationsList: MIGRATIONS,
      tableName: 'mikro_orm_migrations',
      // Each migration is atomic on its own (F18): one transaction per migration, or none for an
      // OnlineMigration (db/migrations/online-migration.ts), whose CREATE INDEX CONCURRENTLY
      // cannot run in a transaction and must not wait for one held open around it. A failed
      // upgrade stops at the failing migration with the earlier ones applied and recorded; the
      // next run carries on from there.
      transactional: true,
      allOrNothing: false,
      snapshot: false,
    },
    discovery: { checkDuplicateTableNames: true },
    debug: false,
    logger: (message) => logger?.debug({ orm: true }, message),
  });
}

export async function createOrm(database: DatabaseOptions, logger?: Logger): Promise<Orm> {
  return MikroORM.init(ormOptions(database, logger));
}

/**
 * Applies pending migrations under a PostgreSQL advisory lock; returns the names applied.
 * Give it an ORM made with {@link withoutTimeouts}: a migration may run longer than a request.
 */
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

/** Names of the committed migrations not applied yet (the API without MIGRATE_ON_START refuses to start on any). */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.migrator.getPending();
  return pending.map((m) => m.name);
}
