/**
 * `make bench-import`: a 1,000,000-row contact file (bench/contact-file.ts) imported through
 * the API of a private stack (PostgreSQL with fsync, as in production), as a real multipart
 * upload streamed from disk. Prints the wall time from the first byte sent to the import
 * report, rows per second, the API process's peak RSS (VmHWM), and, for scale, how long a
 * plain `psql \copy` of the same rows, already normalised, takes into the same table in one
 * transaction. Prints figures; asserts nothing. BENCH_ROWS changes the row count.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  accessSync,
  chmodSync,
  constants,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { startPrivateStack, Supervisor, uploadFile, type PrivateStack } from '../scripts/services/index.js';
import { writeContactFile } from './contact-file.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const TARGET_SECONDS = 15;

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const thousands = (n: number) => n.toLocaleString('en-US');

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds a process used (utime + stime), with its waited-for children's (cutime + cstime) when asked. */
function cpuSecondsOf(pid: number, withChildren = false): number {
  // Fields after the parenthesised command name: state is field 3; utime, stime, cutime, cstime are 14-17.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  const at = (n: number) => Number(fields[n - 3]);
  return (at(14) + at(15) + (withChildren ? at(16) + at(17) : 0)) / TICKS_PER_SECOND;
}

/** CPU seconds of the PostgreSQL server: the postmaster, its live backends, and the ones that exited. */
function postgresCpuSeconds(postmaster: number): number {
  let total = cpuSecondsOf(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      if (Number(stat[1]) === postmaster) total += cpuSecondsOf(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** VmHWM (peak resident set) and VmRSS of a process, in kB. */
function memoryOf(pid: number): { peakKb: number; rssKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakKb: field('VmHWM'), rssKb: field('VmRSS') };
}

async function adminToken(stack: PrivateStack): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'voicecast', ...stack.admin }),
  });
  if (!res.ok) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

interface Report {
  id: string;
  ownerId: string;
  totalRows: number;
  imported: number;
  duplicates: number;
  invalid: number;
}

async function importThroughApi(stack: PrivateStack, file: string): Promise<{ report: Report; seconds: number }> {
  const token = await adminToken(stack);
  const started = performance.now();
  const upload = uploadFile(`${stack.apiUrl}/api/v1/contact-lists`, file, {
    token,
    fields: { name: 'bench', defaultCountry: 'DE' },
  });
  await upload.sent;
  const sentAfter = (performance.now() - started) / 1000;
  const response = await upload.response;
  const seconds = (performance.now() - started) / 1000;
  if (response?.status !== 201) throw new Error(`import failed: ${response?.status} ${response?.body}`);
  print(`  upload sent in ${sentAfter.toFixed(1)} s (the API spools it to disk, then imports)`);
  return { report: JSON.parse(response.body) as Report, seconds };
}

/** The imported rows, exported for a new list id in COPY text format. */
async function exportNormalised(db: Client, listId: string, newListId: string, path: string): Promise<void> {
  await pipeline(
    db.query(
      copyTo(
        `COPY (SELECT ${db.escapeLiteral(newListId)}::uuid, line, phone_e164, name, variables FROM contact WHERE list_id = ${db.escapeLiteral(listId)} ORDER BY line) TO STDOUT`,
      ),
    ),
    createWriteStream(path),
  );
}

function findPsql(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'psql');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const insertList = (listId: string, ownerId: string) =>
  `INSERT INTO contact_list (id, owner_id, name, status, created_at) VALUES ('${listId}', '${ownerId}', 'copy', 'ready', now())`;
const COPY_COLUMNS = 'contact (list_id, line, phone_e164, name, variables)';

/** `psql -1`: the list row, then \copy of the normalised rows, in one transaction. */
async function psqlCopy(psql: string, databaseUrl: string, insert: string, path: string): Promise<void> {
  const child = spawn(
    psql,
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-1',
      '-c',
      insert,
      '-c',
      `\\copy ${COPY_COLUMNS} from '${path}'`,
      databaseUrl,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`psql exited with ${code}`);
}

/** The same without psql: COPY FROM STDIN through pg-copy-streams. */
async function streamCopy(databaseUrl: string, insert: string, path: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    await db.query(insert);
    await pipeline(createReadStream(path), db.query(copyFrom(`COPY ${COPY_COLUMNS} FROM STDIN`)));
    await db.query('COMMIT');
  } finally {
    await db.end();
  }
}

/** Times the plain bulk load of the normalised rows into a new list: the floor for any import. */
async function plainCopy(stack: PrivateStack, ownerId: string, listId: string, path: string) {
  const psql = findPsql();
  const insert = insertList(listId, ownerId);
  const started = performance.now();
  if (psql) await psqlCopy(psql, stack.databaseUrl, insert, path);
  else await streamCopy(stack.databaseUrl, insert, path);
  return {
    seconds: (performance.now() - started) / 1000,
    tool: psql ? 'psql \\copy' : 'COPY FROM STDIN (no psql found)',
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-import-'));
  chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
  const supervisor = new Supervisor();
  process.once('exit', () => supervisor.killAll());
  try {
    const file = join(dir, 'contacts.csv');
    const generated = await writeContactFile(file, ROWS);
    print(`contact import: ${thousands(ROWS)} rows, ${(generated.bytes / 1e6).toFixed(1)} MB CSV`);
    const stack = await startPrivateStack(dir, supervisor, { worker: false, durableDatabase: true });
    const apiPid = stack.pids.api;
    const postmaster = stack.pids.postgres;
    const before = memoryOf(apiPid);
    print(`  machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at start`);

    const cpuBefore = { api: cpuSecondsOf(apiPid), db: postgresCpuSeconds(postmaster) };
    const { report, seconds } = await importThroughApi(stack, file);
    const after = memoryOf(apiPid);
    const cpu = { api: cpuSecondsOf(apiPid) - cpuBefore.api, db: postgresCpuSeconds(postmaster) - cpuBefore.db };
    print(
      `  API:  ${seconds.toFixed(1)} s wall, ${thousands(Math.round(ROWS / seconds))} rows/s — imported ${thousands(report.imported)}, duplicates ${thousands(report.duplicates)}, invalid ${thousands(report.invalid)}`,
    );
    print(`        peak RSS of the API process ${mb(after.peakKb)} (RSS ${mb(before.rssKb)} before the import)`);
    print(
      `        CPU: API ${cpu.api.toFixed(1)} s (all its threads), PostgreSQL ${cpu.db.toFixed(1)} s — ${((cpu.api + cpu.db) / availableParallelism()).toFixed(1)} s of all ${availableParallelism()} cores`,
    );

    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const normalised = join(dir, 'normalised.copy');
    const psqlList = '00000000-0000-4000-8000-000000000001';
    await exportNormalised(db, report.id, psqlList, normalised);
    await db.end();
    const dbBeforeCopy = postgresCpuSeconds(postmaster);
    const copy = await plainCopy(stack, report.ownerId, psqlList, normalised);
    const copyDbCpu = postgresCpuSeconds(postmaster) - dbBeforeCopy;
    print(
      `  ${copy.tool}: ${copy.seconds.toFixed(1)} s for the ${thousands(report.imported)} rows already normalised, same table (PostgreSQL CPU ${copyDbCpu.toFixed(1)} s)`,
    );
    print(`  ratio API import / plain copy: ${(seconds / copy.seconds).toFixed(1)}×`);
    print(
      `  target ≤ ${TARGET_SECONDS} s for ${thousands(ROWS)} rows: ${ROWS === 1_000_000 ? (seconds <= TARGET_SECONDS ? 'met' : 'MISSED') : 'n/a (BENCH_ROWS changed)'}`,
    );
  } finally {
    await supervisor.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-import failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
