/**
 * F18: a migration on a loaded journal does not stop the journal. On a database of its own,
 * 200,000 `call_record` rows (bench/journal-seed.ts; the review's 1 M at a fifth of the time)
 * are put back where they stood before Migration20261202100000 (the journal's keyset indexes),
 * and `node dist/db/migrate.js` (`make migrate`, the operator's step) applies it while this test
 * polls pg_locks on call_record for any lock that stops writes (SHARE and stronger: a plain
 * CREATE INDEX takes SHARE, DROP INDEX ACCESS EXCLUSIVE) and keeps journalling calls.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Pool } from 'pg';
import { seedJournal } from '../../bench/journal-seed';
import { freePort, repoRoot } from '../../scripts/services';
import { insertBareCampaign, insertCalls } from '../support/journal';
import { readStack } from '../support/stack';

const run = promisify(execFile);
const ROWS = 200_000;
const MIGRATION = 'Migration20261202100000';
/** What MIGRATION builds (and, before it, three of them without the `id`). */
const KEYSET_INDEXES = [
  'call_record_owner_id_phone_e164_invite_at_id_index',
  'call_record_owner_id_invite_at_id_index',
  'call_record_campaign_id_invite_at_id_index',
  'call_record_phone_e164_invite_at_id_index',
  'call_record_invite_at_id_index',
];

/**
 * Modes that conflict with ROW EXCLUSIVE, i.e. that make an INSERT wait. Table locks only
 * (`locktype = 'relation'`): the inserts' own relation-extension locks (`extend`, also
 * called ExclusiveLock) block no other statement's table lock and show up under load.
 */
const BLOCKING_MODES = ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];

const LOCKS_ON_JOURNAL = `
  SELECT l.mode, l.granted, coalesce(a.query, '') AS query
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
  LEFT JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'relation' AND c.relname = 'call_record'
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.mode = ANY($1::text[]) AND l.pid <> pg_backend_pid()`;

interface Seen {
  readonly mode: string;
  readonly query: string;
}

/** Polls pg_locks until stopped; returns the blocking locks seen on call_record and how often it looked. */
function watchLocks(db: Client): { stop(): Promise<{ seen: Seen[]; polls: number }> } {
  const seen: Seen[] = [];
  let polls = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await db.query<Seen>(LOCKS_ON_JOURNAL, [BLOCKING_MODES]);
      seen.push(...rows.map((r) => ({ mode: r.mode, query: r.query })));
      polls += 1;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { seen, polls };
    },
  };
}

/** Journals one call at a time until stopped, as the worker does; returns each insert's milliseconds. */
function journalCalls(pool: Pool, ownerId: string, campaignId: string): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n += 1) {
      const started = performance.now();
      await insertCalls(pool, [{ ownerId, campaignId, phone: `+4930999${String(n % 10_000).padStart(4, '0')}` }]);
      times.push(performance.now() - started);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return times;
    },
  };
}

async function journalIndexes(db: Client): Promise<string[]> {
  const { rows } = await db.query<{ indexdef: string; valid: boolean }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS indexdef, i.indisvalid AS valid FROM pg_index i
     WHERE i.indrelid = 'call_record'::regclass ORDER BY 1`,
  );
  return rows.map((r) => `${r.indexdef}${r.valid ? '' : ' INVALID'}`);
}

const node = (script: string, env: Record<string, string | undefined>) =>
  run(process.execPath, [join(repoRoot(), 'dist', ...script.split('/'))], { env, timeout: 120_000 });

describe('migrations on a loaded journal (F18)', () => {
  const stack = readStack();
  const name = `vc_migration_locks_${randomUUID().slice(0, 8)}`;
  const url = Object.assign(new URL(stack.databaseUrl), { pathname: `/${name}` }).toString();
  const env = { ...stack.env, DATABASE_URL: url, LOG_LEVEL: 'warn' };
  let server: Client;
  let db: Client;
  let watcher: Client;
  let pool: Pool;
  let ownerId: string;
  let campaignId: string;

  beforeAll(async () => {
    server = new Client({ connectionString: stack.databaseUrl });
    await server.connect();
    await server.query(`CREATE DATABASE ${name}`);
    await node('db/migrate.js', env);
    db = new Client({ connectionString: url });
    watcher = new Client({ connectionString: url });
    pool = new Pool({ connectionString: url, max: 2 });
    await Promise.all([db.connect(), watcher.connect()]);
    ownerId = randomUUID();
    await db.query(
      `INSERT INTO "user" (id, username, role, password_hash, created_at, updated_at)
       VALUES ($1, $2, 'user', 'x', now(), now())`,
      [ownerId, `journal-${ownerId.slice(0, 8)}`],
    );
    campaignId = await insertBareCampaign(pool, ownerId);
    await seedJournal(
      db,
      [{ ownerId, rows: ROWS, phones: ROWS / 10, phonePrefix: '+4930', campaignIds: [campaignId] }],
      () => undefined,
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([db?.end(), watcher?.end(), pool?.end()]);
    await server?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await server?.end();
  });

  it('sees a transactional index change block the journal (the poll works)', async () => {
    const watch = watchLocks(watcher);
    await db.query('BEGIN');
    await db.query('DROP INDEX "call_record_invite_at_id_index"');
    await db.query('CREATE INDEX "call_record_invite_at_id_index" ON "call_record" ("invite_at", "id")');
    await new Promise((r) => setTimeout(r, 200));
    await db.query('COMMIT');
    const { seen } = await watch.stop();
    expect(seen.map((s) => s.mode)).toContain('AccessExclusiveLock');
  });

  it('rebuilds the journal indexes with no lock that stops writes while calls are journalled', async () => {
    const fresh = await journalIndexes(db);
    // Back to the schema before the migration, plus an INVALID leftover of an interrupted
    // concurrent build under one of the new names (a unique build that fails on duplicates).
    for (const index of KEYSET_INDEXES) await db.query(`DROP INDEX "${index}"`);
    await db.query(
      'CREATE INDEX "call_record_owner_id_phone_e164_invite_at_index" ON "call_record" ("owner_id", "phone_e164", "invite_at")',
    );
    await db.query('CREATE INDEX "call_record_owner_id_invite_at_index" ON "call_record" ("owner_id", "invite_at")');
    await db.query(
      'CREATE INDEX "call_record_campaign_id_invite_at_index" ON "call_record" ("campaign_id", "invite_at")',
    );
    await expect(
      db.query('CREATE UNIQUE INDEX CONCURRENTLY "call_record_invite_at_id_index" ON "call_record" ("owner_id")'),
    ).rejects.toThrow(/could not create unique index/);
    expect(await journalIndexes(db)).toContainEqual(
      expect.stringMatching(/call_record_invite_at_id_index .* INVALID$/),
    );
    await db.query('DELETE FROM mikro_orm_migrations WHERE name = $1', [MIGRATION]);

    // The API without MIGRATE_ON_START refuses a database behind its code.
    const refused = await node('api/main.js', {
      ...env,
      MIGRATE_ON_START: 'false',
      API_PORT: String(await freePort()),
    }).catch((err: { code?: number; stderr?: string }) => err);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining(`lacks 1 migration(s) (${MIGRATION})`) });

    const before = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM call_record')).rows[0].n);
    const watch = watchLocks(watcher);
    const journal = journalCalls(pool, ownerId, campaignId);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const { stdout } = await node('db/migrate.js', { ...env, LOG_LEVEL: 'info' });
    const migrationMs = performance.now() - started;
    const inserts = await journal.stop();
    const { seen, polls } = await watch.stop();

    expect(stdout).toContain(MIGRATION);
    expect(seen).toEqual([]);
    expect(polls).toBeGreaterThan(20);
    // Inserts went on all along: about one every few milliseconds, none waiting for the build.
    expect(inserts.length).toBeGreaterThan(20);
    expect(Math.max(...inserts)).toBeLessThan(1000);
    const after = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM call_record')).rows[0].n);
    expect(after).toBe(before + inserts.length);
    // And the schema is the one a fresh database gets.
    expect(await journalIndexes(db)).toEqual(fresh);
    process.stdout.write(
      `F18: ${ROWS.toLocaleString('en-US')} rows, migration ${Math.round(migrationMs)} ms, ${polls} lock polls, ` +
        `${inserts.length} inserts meanwhile (slowest ${Math.round(Math.max(...inserts))} ms)\n`,
    );
  }, 180_000);
});
