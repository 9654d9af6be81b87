/**
 * `make bench-journal`: the call journal search at scale. A private stack (API, PostgreSQL,
 * MinIO, Temporal; no worker) gets BENCH_ROWS (default 10,000,000) journal rows for one
 * owner — about ten calls to each of a million numbers over a year, 50 campaigns, a
 * broadcast's mix of outcomes — plus BENCH_OTHER_ROWS (default 250,000) for each of four
 * other owners (bench/journal-seed.ts), then ANALYZE. Then, one request at a time, p50 and
 * p99 of `GET /api/v1/calls` through the API (real HTTP, the owner's bearer token, the JSON
 * read to the end) for a search by number and for a one-hour interval (default page of
 * 50), each next to the same SQL (api/calls/call-rows.ts) run straight on PostgreSQL in the
 * same run; the same for an administrator (every owner's rows); and the plan of each
 * query from EXPLAIN ANALYZE. Prints figures; asserts nothing.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { parseCallQuery, type CallQueryInput } from '../api/calls/call-query.js';
import { searchCallsSql as searchSql } from '../db/call-records.js';
import { startPrivateStack, Supervisor, type PrivateStack } from '../scripts/services/index.js';
import { phoneOf, seedJournal, SPAN_DAYS, type OwnerRows } from './journal-seed.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const OTHER_ROWS = Number(process.env.BENCH_OTHER_ROWS ?? 250_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const WARMUP = 100;
const TARGET_P99_MS = 20;

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function form(url: string, body: Record<string, string>, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: new URLSearchParams(body),
  });
}

async function token(stack: PrivateStack, username: string, password: string): Promise<string> {
  const res = await form(`${stack.apiUrl}/oauth/token`, {
    grant_type: 'password',
    client_id: 'voicecast',
    username,
    password,
  });
  if (!res.ok) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

interface Owner {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

/** A new owner through the admin API (it logs in later: tokens are short-lived, seeding is not). */
async function createOwner(stack: PrivateStack, adminToken: string): Promise<Owner> {
  const username = `bench-${randomUUID().slice(0, 8)}`;
  const password = randomUUID();
  const res = await fetch(`${stack.apiUrl}/api/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, role: 'user' }),
  });
  if (res.status !== 201) throw new Error(`creating ${username}: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  return { id, username, password };
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

/** The query of one request: a random number of the owner's, or a random hour of the year (given in +01:00). */
type QueryMaker = () => CallQueryInput;

const byNumber =
  (owner: OwnerRows): QueryMaker =>
  () => ({ phone: phoneOf(owner, randomInt(owner.phones)) });

function byHour(): CallQueryInput {
  const hours = SPAN_DAYS * 24;
  const start = new Date(Math.floor(Date.now() / 3_600_000 - hours + randomInt(hours - 1)) * 3_600_000);
  const local = (d: Date) => `${new Date(d.getTime() + 3_600_000).toISOString().slice(0, 19)}+01:00`;
  return { from: local(start), to: local(new Date(start.getTime() + 3_600_000)) };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

interface Timing {
  p50: number;
  p99: number;
  rows: number;
}

async function measure(run: (query: CallQueryInput) => Promise<number>, make: QueryMaker): Promise<Timing> {
  for (let i = 0; i < WARMUP; i += 1) await run(make());
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < REQUESTS; i += 1) {
    const query = make();
    const started = performance.now();
    rows += await run(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), rows: rows / REQUESTS };
}

function viaApi(stack: PrivateStack, bearer: string, path = '/api/v1/calls') {
  return async (query: CallQueryInput): Promise<number> => {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const res = await fetch(`${stack.apiUrl}${path}?${qs.toString()}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    const body = (await res.json()) as { items?: unknown[] };
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body.items?.length ?? 0;
  };
}

function viaSql(db: Client, ownerId: string | undefined) {
  return async (query: CallQueryInput): Promise<number> => {
    const { text, values } = searchSql(parseCallQuery(query), ownerId);
    return (await db.query(text, values)).rowCount ?? 0;
  };
}

/** The plan's lines that name the access path, and its execution time. */
async function plan(db: Client, query: CallQueryInput, ownerId: string | undefined): Promise<string> {
  const { text, values } = searchSql(parseCallQuery(query), ownerId);
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
  const lines = rows.map((r) => r['QUERY PLAN']);
  const kept = lines.filter((l) => /Scan|Sort Method|Execution Time/.test(l)).map((l) => l.replace(/^[\s>-]+/, ''));
  return kept.join(' | ');
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

function report(label: string, api: Timing, sql: Timing, explain: string, target: boolean): void {
  const verdict = target ? ` — target p99 < ${TARGET_P99_MS} ms: ${api.p99 < TARGET_P99_MS ? 'met' : 'MISSED'}` : '';
  print(`  ${label}: ${api.rows.toFixed(1)} rows a page on average`);
  print(`    API: p50 ${ms(api.p50)}, p99 ${ms(api.p99)}${verdict}`);
  print(`    SQL: p50 ${ms(sql.p50)}, p99 ${ms(sql.p99)} (same statement, straight on PostgreSQL)`);
  print(`    plan: ${explain}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-journal-'));
  chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
  const supervisor = new Supervisor();
  process.once('exit', () => supervisor.killAll());
  try {
    const stack = await startPrivateStack(dir, supervisor, { worker: false });
    const people = await (async (admin: string) =>
      Promise.all(Array.from({ length: 5 }, () => createOwner(stack, admin))))(
      await token(stack, stack.admin.username, stack.admin.password),
    );
    const db = new Client({ connectionString: stack.databaseUrl });
    // A server going away must fail the run through main's catch, not as an unhandled 'error' event.
    db.on('error', (err) => print(`  database connection: ${err.message}`));
    await db.connect();
    const owners: OwnerRows[] = [];
    for (const [i, person] of people.entries()) {
      const rows = i === 0 ? ROWS : OTHER_ROWS;
      const campaignIds = await campaigns(db, person.id, i === 0 ? 50 : 5);
      owners.push({
        ownerId: person.id,
        rows,
        phones: Math.max(1, Math.round(rows / 10)),
        phonePrefix: `+4930${2 + i}`,
        campaignIds,
      });
    }
    const total = owners.reduce((n, o) => n + o.rows, 0);
    print(
      `journal benchmark: ${ROWS.toLocaleString('en-US')} rows for one owner + 4 × ${OTHER_ROWS.toLocaleString('en-US')}`,
    );
    print(`  machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at start`);
    const seeded = await seedJournal(db, owners, print);
    const { rows: size } = await db.query<{ table: string; indexes: string }>(
      `SELECT pg_size_pretty(pg_table_size('call_record')) AS table, pg_size_pretty(pg_indexes_size('call_record')) AS indexes`,
    );
    print(
      `  seeded ${total.toLocaleString('en-US')} rows in ${seeded.loadSeconds.toFixed(0)} s, indexes + VACUUM ANALYZE ` +
        `${seeded.indexSeconds.toFixed(0)} s (table ${size[0].table}, indexes ${size[0].indexes})`,
    );
    print(`  ${REQUESTS} requests per figure, one at a time, after ${WARMUP} to warm up; default page (50)`);
    const [main, other] = owners;
    const [owner, admin] = [people[0], stack.admin];
    const cases: [string, typeof stack.admin, string | undefined, QueryMaker, boolean][] = [
      ['owner, search by number', owner, main.ownerId, byNumber(main), true],
      ['owner, one-hour interval', owner, main.ownerId, byHour, true],
      ['administrator (all owners), search by number', admin, undefined, byNumber(other), false],
      ['administrator (all owners), one-hour interval', admin, undefined, byHour, false],
    ];
    const floor = await measure(
      viaApi(stack, await token(stack, owner.username, owner.password), '/api/v1/me'),
      () => ({}),
    );
    print(`  floor: GET /api/v1/me (token check, one small query, HTTP) p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)}`);
    for (const [label, who, ownerId, make, target] of cases) {
      const bearer = await token(stack, who.username, who.password);
      const api = await measure(viaApi(stack, bearer), make);
      const sql = await measure(viaSql(db, ownerId), make);
      report(label, api, sql, await plan(db, make(), ownerId), target);
    }
    await db.end();
  } finally {
    await supervisor.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-journal failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
