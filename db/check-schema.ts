/**
 * `make migration-check`: compares the migrated database at DATABASE_URL with the
 * entities. Prints the SQL that would be needed and exits 1 when they differ, so an
 * entity change without its migration fails the tests. With `--create`, writes that SQL as
 * a new migration under db/migrations/ instead (then add it to db/migrations/index.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { createOrm, migrateUp, withoutTimeouts } from './orm.js';

function migrationSource(name: string, statements: string[]): string {
  const lines = statements.map((sql) => `    this.addSql(${JSON.stringify(sql)});`).join('\n');
  return `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${name} extends Migration {\n  override up(): void {\n${lines}\n  }\n}\n`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await createOrm(withoutTimeouts(config.database), createLogger({ level: 'warn', name: 'check-schema' }));
  try {
    await migrateUp(orm);
    const diff = (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
    if (!diff) {
      process.stdout.write('schema matches the entities\n');
      return;
    }
    if (process.argv.includes('--create')) {
      const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
      const file = join(process.cwd(), 'db', 'migrations', `migration-${stamp}.ts`);
      const statements = diff
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => `${s.replace(/;$/, '')};`);
      writeFileSync(file, migrationSource(`Migration${stamp}`, statements));
      process.stdout.write(`wrote ${file}; register it in db/migrations/index.ts\n`);
      return;
    }
    process.stdout.write(`the entities need schema changes that no migration makes:\n${diff}\n`);
    process.exitCode = 1;
  } finally {
    await orm.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`check-schema failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
