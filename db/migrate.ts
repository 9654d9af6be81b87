/**
 * `make migrate`: applies pending migrations to DATABASE_URL and exits.
 * The API does the same at start-up; this is for deployments that migrate separately.
 */
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { createOrm, migrateUp, withoutTimeouts } from './orm.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'migrate' });
  const orm = await createOrm(withoutTimeouts(config.database), logger);
  try {
    const applied = await migrateUp(orm);
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
  } finally {
    await orm.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
