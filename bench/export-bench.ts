/**
 * `make bench-export`: the journal's CSV export at scale. A private stack (API, PostgreSQL,
 * MinIO, Temporal; no worker) gets BENCH_ROWS (default 1,000,000) journal rows for one owner
 * plus BENCH_OTHER_ROWS (default 100,000) for another (bench/journal-seed.ts), each row's
 * contact with four variables (one formula-like, one needing quotes). Then
 * `GET /api/v1/calls/export` through the API (real HTTP, the owner's bearer token, the body
 * read to the end): wall time, time to first byte, rows/s, MB/s, and the API process's RSS
 * sampled every 50 ms (peak during the export, and VmHWM); and, for scale, the same rows
 * written as CSV by PostgreSQL itself through `psql \copy (…) TO` (COPY TO STDOUT through
 * pg-copy-streams without psql). Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chmodSync, constants, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { journalCopySql } from '../db/call-exports.js';
import { startPrivateStack, Supervisor, type PrivateStack } from '../scripts/services/index.js';
import { seedJournal, type OwnerRows } from './journal-seed.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const OTHER_ROWS = Number(process.env.BENCH_OTHER_ROWS ?? 100_000);

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

/** VmHWM (peak resident set) and VmRSS of a process, in kB. */
function memoryOf(pid: number): { peakKb: number; rssKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakKb: field('VmHWM'), rssKb: field('VmRSS') };
}

async function post(url: string, body: URLSearchParams | object, bearer?: string): Promise<Response> {
  const form = body instanceof URLSearchParams;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: form ? body : JSON.stringify(body),
  });
}

async function token(stack: PrivateStack, username: string, password: string): Promise<string> {
  const res = await post(
    `${stack.apiUrl}/oauth/token`,
    new URLSearchParams({ grant_type: 'password', client_id: 'voicecast', username, password }),
  );
  if (!res.ok) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function createOwner(
  stack: PrivateStack,
  admin: string,
): Promise<{ id: string; username: string; password: string }> {
  const username = `bench-${randomUUID().slice(0, 8)}`;
  const password = randomUUID();
  const res = await post(`${stack.apiUrl}/api/v1/users`, { username, password, role: 'user' }, admin);
  if (res.status !== 201) throw new Error(`creating ${username}: ${res.status} ${await res.text()}`);
  return { id: ((await res.json()) as { id: string }).id, username, password };
}

async function campaigns(db: Client, ownerId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await db.query(
    `INSERT INTO campaign (id, owner_id, name, status, max_concurrent_calls, calls_per_second, max_attempts,
       retry_delay_seconds, retry_on, ring_timeout_seconds, max_call_seconds, created_at, updated_at)
     SELECT id, $2, 'bench ' || id, 'completed', 10, 1, 3, 600, '{}', 30, 300, now(), now() FROM unnest($1::uuid[]) AS id`,
    [ids, ownerId],
  );
  return ids;
}

/**
 * The contacts the journal rows point at: journal-seed gives row g `campaign_contact_id` g,
 * so contact ids 1…n, each with four variables as an imported file would give them.
 */
async function seedContacts(db: Client, campaignId: string, rows: number): Promise<void> {
  await db.query(
    `INSERT INTO campaign_contact (id, campaign_id, line, phone_e164, variables, state, attempts, final_outcome,
       next_attempt_at, updated_at)
     SELECT g, $1, g + 1, '+4930' || lpad(g::text, 8, '0'),
       jsonb_build_object('customer', 'C' || g, 'city', (ARRAY['Berlin', 'Zürich', 'Köln'])[1 + g % 3],
         'balance', '-' || (g % 1000) || '.50', 'note', 'called "twice", then, maybe'),
       'done', 1, 'answered', now(), now()
     FROM generate_series(1, $2::bigint) AS g`,
    [campaignId, rows],
  );
  await db.query(`SELECT setval(pg_get_serial_sequence('campaign_contact', 'id'), $1)`, [rows]);
  await db.query('VACUUM (ANALYZE) campaign_contact');
}

/** Reads the export to the end, counting records (no field here holds a line break) while sampling the API's RSS. */
async function exportThroughApi(stack: PrivateStack, bearer: string) {
  const apiPid = stack.pids.api;
  let peakRssKb = 0;
  const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, memoryOf(apiPid).rssKb)), 50);
  const started = performance.now();
  const res = await fetch(`${stack.apiUrl}/api/v1/calls/export`, { headers: { authorization: `Bearer ${bearer}` } });
  if (res.status !== 200 || !res.body) throw new Error(`export: ${res.status} ${await res.text()}`);
  const firstByte = (performance.now() - started) / 1000;
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body) {
    const buffer = chunk as Uint8Array;
    bytes += buffer.length;
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) lines += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return { seconds, firstByte, bytes, rows: lines - 1, peakRssKb };
}

function findPsql(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(join(dir, 'psql'), constants.X_OK);
      return join(dir, 'psql');
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The same rows as CSV written by PostgreSQL: `psql \copy (…) TO file`, or COPY TO STDOUT without psql. */
async function plainCopy(databaseUrl: string, ownerId: string, path: string) {
  const query = journalCopySql(ownerId).replace(/\s+/g, ' ');
  const psql = findPsql();
  const started = performance.now();
  if (psql) {
    const child = spawn(
      psql,
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `\\copy (${query}) to '${path}' with (format csv, header)`,
        databaseUrl,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`psql exited with ${code}`);
  } else {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await pipeline(db.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`)), createWriteStream(path));
    } finally {
      await db.end();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, bytes: statSync(path).size, tool: psql ? 'psql \\copy' : 'COPY TO STDOUT (no psql found)' };
}

async function seed(stack: PrivateStack, db: Client) {
  const admin = await token(stack, stack.admin.username, stack.admin.password);
  const [owner, other] = await Promise.all([createOwner(stack, admin), createOwner(stack, admin)]);
  const owners: OwnerRows[] = [
    {
      ownerId: owner.id,
      rows: ROWS,
      phones: Math.max(1, ROWS / 10),
      phonePrefix: '+49302',
      campaignIds: await campaigns(db, owner.id, 10),
    },
    {
      ownerId: other.id,
      rows: OTHER_ROWS,
      phones: Math.max(1, OTHER_ROWS / 10),
      phonePrefix: '+49303',
      campaignIds: await campaigns(db, other.id, 2),
    },
  ];
  const contactsStarted = performance.now();
  await seedContacts(db, owners[0].campaignIds[0], Math.max(ROWS, OTHER_ROWS));
  print(
    `  ${thousands(Math.max(ROWS, OTHER_ROWS))} contacts with variables in ${((performance.now() - contactsStarted) / 1000).toFixed(0)} s`,
  );
  const seeded = await seedJournal(db, owners, () => undefined);
  print(
    `  seeded ${thousands(ROWS + OTHER_ROWS)} journal rows in ${seeded.loadSeconds.toFixed(0)} s, indexes + VACUUM ANALYZE ${seeded.indexSeconds.toFixed(0)} s`,
  );
  return owner;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-export-'));
  chmodSync(dir, 0o777); // PostgreSQL may run as another OS user; psql writes the copy here
  const supervisor = new Supervisor();
  process.once('exit', () => supervisor.killAll());
  try {
    print(`journal export: ${thousands(ROWS)} rows for one owner (+ ${thousands(OTHER_ROWS)} of another's)`);
    const stack = await startPrivateStack(dir, supervisor, { worker: false });
    print(`  machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at start`);
    const db = new Client({ connectionString: stack.databaseUrl });
    db.on('error', (err) => print(`  database connection: ${err.message}`));
    await db.connect();
    const owner = await seed(stack, db);
    await db.end();
    const bearer = await token(stack, owner.username, owner.password);
    const before = memoryOf(stack.pids.api);
    const api = await exportThroughApi(stack, bearer);
    const after = memoryOf(stack.pids.api);
    print(
      `  API:  ${api.seconds.toFixed(1)} s wall for ${thousands(api.rows)} rows (${(api.bytes / 1e6).toFixed(0)} MB), ${thousands(api.rows / api.seconds)} rows/s, ${(api.bytes / 1e6 / api.seconds).toFixed(1)} MB/s; first byte after ${api.firstByte.toFixed(2)} s`,
    );
    print(
      `        API process RSS: ${mb(before.rssKb)} before, peak ${mb(api.peakRssKb)} during the export (VmHWM ${mb(before.peakKb)} → ${mb(after.peakKb)})`,
    );
    const copy = await plainCopy(stack.databaseUrl, owner.id, join(dir, 'copy.csv'));
    print(
      `  ${copy.tool}: ${copy.seconds.toFixed(1)} s for the same rows (${(copy.bytes / 1e6).toFixed(0)} MB, variables as one JSON column), ${thousands(ROWS / copy.seconds)} rows/s`,
    );
    print(`  ratio API export / plain copy: ${(api.seconds / copy.seconds).toFixed(1)}×`);
    if (api.rows !== ROWS)
      print(`  ROW COUNT MISMATCH: the API sent ${thousands(api.rows)} rows, not ${thousands(ROWS)}`);
  } finally {
    await supervisor.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-export failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
