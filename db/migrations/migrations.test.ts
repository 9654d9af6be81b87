/**
 * F18: the rules of db/migrations/online-migration.ts, checked on the SQL every committed
 * migration emits, so a future migration that would lock a table in service fails here
 * before it reaches a database.
 */
import type { Migration } from '@mikro-orm/migrations';
import { MIGRATIONS } from './index';

interface Emitted {
  readonly name: string;
  readonly transactional: boolean;
  readonly statements: string[];
}

async function emitted(): Promise<Emitted[]> {
  const out: Emitted[] = [];
  for (const { name, class: Class } of MIGRATIONS) {
    // up() only collects SQL (addSql); it needs neither driver nor configuration.
    const migration = new (Class as new (driver: unknown, config: unknown) => Migration)(undefined, undefined);
    await migration.up();
    const statements = migration.getQueries().map((q) => {
      if (typeof q !== 'string') throw new Error(`${name}: only SQL strings are checked here`);
      return q;
    });
    out.push({ name, transactional: migration.isTransactional(), statements });
  }
  return out;
}

const created = (statements: string[]): Set<string> =>
  new Set(statements.flatMap((s) => /^create table (?:if not exists )?"([^"]+)"/i.exec(s)?.[1] ?? []));

/** What the rules find wrong with one migration: empty when it is fine. */
function violations(m: Emitted): string[] {
  const problems: string[] = [];
  const newTables = created(m.statements);
  const concurrent = m.statements.some((s) => /\bconcurrently\b/i.test(s));
  m.statements.forEach((sql, i) => {
    const index = /^create (?:unique )?index (concurrently )?(?:if not exists )?"[^"]+" on "([^"]+)"/i.exec(sql);
    if (index && !index[1] && !newTables.has(index[2])) {
      problems.push(`builds an index on the existing table ${index[2]} without CONCURRENTLY: ${sql}`);
    }
    if (/^drop index /i.test(sql) && !/^drop index concurrently if exists /i.test(sql)) {
      problems.push(`drops an index without CONCURRENTLY IF EXISTS: ${sql}`);
    }
    if (m.transactional) return;
    if (/;\s*\S/.test(sql)) problems.push(`runs without a transaction but holds several statements: ${sql}`);
    if (/\badd column (?!if not exists)/i.test(sql) || /^alter table "[^"]+" add "/i.test(sql)) {
      problems.push(`adds a column without IF NOT EXISTS (not re-runnable): ${sql}`);
    }
    if (/^create table (?!if not exists)/i.test(sql)) problems.push(`creates a table without IF NOT EXISTS: ${sql}`);
    if (/^create index concurrently "/i.test(sql)) {
      const name = /^create index concurrently ("[^"]+")/i.exec(sql)?.[1];
      if (m.statements[i - 1] !== `drop index concurrently if exists ${name};`) {
        problems.push(`builds ${name} concurrently without dropping an invalid leftover first: ${sql}`);
      }
    }
    const constraint = /\badd constraint ("[^"]+")/i.exec(sql)?.[1];
    if (constraint && !m.statements.slice(0, i).some((s) => s.includes(`drop constraint if exists ${constraint}`))) {
      problems.push(`adds the constraint ${constraint} without dropping it first (not re-runnable): ${sql}`);
    }
  });
  if (concurrent && m.transactional) problems.push('uses CONCURRENTLY inside a transaction (extend OnlineMigration)');
  return problems;
}

describe('committed migrations (F18)', () => {
  it('never lock an existing table for an index build or drop, and are re-runnable when not transactional', async () => {
    const all = await emitted();
    expect(all.map((m) => m.name)).toContain('Migration20261202100000');
    expect(Object.fromEntries(all.map((m) => [m.name, violations(m)]).filter(([, v]) => v.length > 0))).toEqual({});
  });

  it('run the journal and campaign-contact index changes outside a transaction', async () => {
    const online = (await emitted()).filter((m) => !m.transactional).map((m) => m.name);
    expect(online).toEqual([
      'Migration20261202100000',
      'Migration20261202150000',
      'Migration20261202170000',
      'Migration20261206100000',
      'Migration20261206110000',
      'Migration20261206200300',
      'Migration20261207000300',
      'Migration20261208002001',
    ]);
  });

  it('flags the patterns that lock or cannot be repeated', () => {
    const check = (transactional: boolean, ...statements: string[]) =>
      violations({ name: 'x', transactional, statements });
    expect(check(true, 'create index "a" on "call_record" ("x");')).toEqual([
      expect.stringContaining('without CONCURRENTLY'),
    ]);
    expect(check(true, 'create table "t" ("x" int);', 'create index "a" on "t" ("x");')).toEqual([]);
    expect(check(true, 'drop index "a";')).toEqual([expect.stringContaining('CONCURRENTLY IF EXISTS')]);
    expect(check(true, 'drop index concurrently if exists "a";')).toEqual([
      expect.stringContaining('inside a transaction'),
    ]);
    expect(check(false, 'create index concurrently "a" on "call_record" ("x");')).toEqual([
      expect.stringContaining('invalid leftover'),
    ]);
    expect(check(false, 'alter table "call_record" add "y" int;')).toEqual([expect.stringContaining('IF NOT EXISTS')]);
    expect(check(false, 'alter table "t" add constraint "c" check ("x" > 0);')).toEqual([
      expect.stringContaining('re-runnable'),
    ]);
    expect(check(false, 'select 1; select 2;')).toEqual([expect.stringContaining('several statements')]);
  });
});
