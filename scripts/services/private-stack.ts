/**
 * A private, throw-away stack on free ports in a directory of its own: PostgreSQL, the
 * Temporal dev server (headless, in memory), MinIO (no console), then the compiled API
 * (waits for `GET /readyz`) and optionally the worker (waits until it polls its task
 * queue). Used by the test harness (test/support/global-setup.ts) and the benchmarks; it
 * never touches a `make run` stack or its data. A `restartable` stack keeps its data
 * across stops (Temporal in SQLite), for fault tests: see stack-control.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startMinio } from './minio';
import { startNodeApp } from './node-app';
import { repoRoot } from './paths';
import { freePorts } from './ports';
import { startPostgres } from './postgres';
import { httpProbe } from './probes';
import type { Supervisor } from './supervisor';
import { registerStackControl } from './stack-control';
import { startTemporal, taskQueuePollerProbe } from './temporal';
import { MALLOC_SETTINGS } from '../../lib/malloc-settings';

export interface PrivateStack {
  /** Base URL of the API (also its PUBLIC_URL), e.g. http://127.0.0.1:41234 */
  readonly apiUrl: string;
  /** The administrator created at the API's first start (ADMIN_USERNAME / ADMIN_PASSWORD). */
  readonly admin: { readonly username: string; readonly password: string };
  /** The application's DATABASE_URL (role owns the database; CREATEDB, CREATEROLE; not a superuser). */
  readonly databaseUrl: string;
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    /** The dev server's HTTP API (`/api/v1/...`). */
    readonly httpUrl: string;
  };
  readonly minio: { readonly endpoint: string; readonly accessKey: string; readonly secretKey: string };
  /** The directory holding every service's data and logs. */
  readonly tempDir: string;
  /** Log files: postgres.log, temporal.log, minio.log, api.log, worker.log. */
  readonly logsDir: string;
  readonly pids: Readonly<Record<string, number>>;
  /** The complete environment the API and the worker were started with. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface PrivateStackOptions {
  /** Start the worker too. */
  readonly worker: boolean;
  /** PostgreSQL with fsync (as in production) instead of the tests' fsync off. */
  readonly durableDatabase?: boolean;
  /**
   * Keep every service's data across a stop (PostgreSQL's cluster, Temporal in a SQLite
   * file under `tempDir`, MinIO's objects), so that fault tests and benchmarks can stop
   * and start each one again on the same port with the same data: {@link stackControl}.
   * The data goes when the caller removes `tempDir`.
   */
  readonly restartable?: boolean;
  /** Variables set for the API and the worker on top of the stack's own. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Variables the apps inherit from the caller; everything else is set explicitly. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL'];

interface Ports {
  readonly postgres: number;
  readonly temporal: number;
  readonly temporalHttp: number;
  readonly minio: number;
  readonly api: number;
}

/** How to start each infrastructure service; called again by a restart (same ports, same data). */
function infrastructureStarters(
  ports: Ports,
  dirs: { tempDir: string; logsDir: string },
  options: PrivateStackOptions,
) {
  const { tempDir, logsDir } = dirs;
  const restartable = options.restartable ?? false;
  const db = { user: 'voicecast', password: randomBytes(18).toString('base64url'), database: 'voicecast' };
  const minioCredentials = { accessKey: 'voicecast-test', secretKey: randomBytes(18).toString('base64url') };
  const temporalDir = join(tempDir, 'temporal');
  if (restartable) mkdirSync(temporalDir, { recursive: true });
  const starters = {
    postgres: () =>
      startPostgres({
        ...db,
        dataDir: join(tempDir, 'postgres'),
        port: ports.postgres,
        persistent: options.durableDatabase ?? false,
        keepDataOnStop: restartable,
        createRole: true,
        logFile: join(logsDir, 'postgres.log'),
      }),
    temporal: () =>
      startTemporal({
        port: ports.temporal,
        httpPort: ports.temporalHttp,
        uiPort: null,
        dbFile: restartable ? join(temporalDir, 'temporal.db') : null,
        logFile: join(logsDir, 'temporal.log'),
      }),
    minio: () =>
      startMinio({
        ...minioCredentials,
        dataDir: join(tempDir, 'minio'),
        port: ports.minio,
        consolePort: null,
        persistent: restartable,
        logFile: join(logsDir, 'minio.log'),
      }),
  };
  return { starters, minioCredentials };
}

async function startInfrastructure(
  starters: ReturnType<typeof infrastructureStarters>['starters'],
  supervisor: Supervisor,
) {
  const started = await Promise.allSettled([
    starters.postgres().then((s) => supervisor.add(s)),
    starters.temporal().then((s) => supervisor.add(s)),
    starters.minio().then((s) => supervisor.add(s)),
  ]);
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) throw new Error(failures.map((f) => (f.reason as Error).message).join('\n\n'));
  const [postgres, temporal, minio] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startPostgres>>,
    Awaited<ReturnType<typeof startTemporal>>,
    Awaited<ReturnType<typeof startMinio>>,
  ];
  return { postgres, temporal, minio };
}

/**
 * Starts the stack into `supervisor` (which stops it again, also after a failure here).
 * `tempDir` must exist and be traversable by PostgreSQL's OS user.
 */
export async function startPrivateStack(
  tempDir: string,
  supervisor: Supervisor,
  options: PrivateStackOptions,
): Promise<PrivateStack> {
  const logsDir = join(tempDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const [postgresPort, temporalPort, temporalHttpPort, minioPort, apiPort, grpcPort] = await freePorts(6);
  const ports = {
    postgres: postgresPort,
    temporal: temporalPort,
    temporalHttp: temporalHttpPort,
    minio: minioPort,
    api: apiPort,
  };
  const { starters, minioCredentials } = infrastructureStarters(ports, { tempDir, logsDir }, options);
  const { postgres, temporal, minio } = await startInfrastructure(starters, supervisor);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const admin = { username: 'admin', password: randomBytes(18).toString('base64url') };
  const env: Record<string, string> = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name];
  // Tests and benches run with the allocator settings of every launcher (lib/malloc-settings.ts).
  Object.assign(env, MALLOC_SETTINGS, {
    NODE_ENV: 'test',
    VOICECAST_ENV_FILE: 'none',
    LOG_LEVEL: 'warn',
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    SHUTDOWN_GRACE_SECONDS: '5',
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_TASK_QUEUE: 'dialer',
    MINIO_ENDPOINT: minio.endpoint,
    MINIO_ACCESS_KEY: minioCredentials.accessKey,
    MINIO_SECRET_KEY: minioCredentials.secretKey,
    ADMIN_USERNAME: admin.username,
    ADMIN_PASSWORD: admin.password,
    // Trunk tests send SIP from the API: keep it on loopback, like every peer in the tests.
    SIP_BIND_ADDRESS: '127.0.0.1',
    // The tests' webhook receivers listen on loopback, which webhooks may not reach by default.
    WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
    // Tests that take a workflow away on purpose would race the reconciler; its own test runs it.
    CAMPAIGN_RECONCILE_SECONDS: '0',
    // OPTIONS to trunks held down would reach sipp scenarios waiting for an INVITE; the
    // probe's own test (trunk-breaker-probe.test.ts) turns it on in a worker of its own.
    TRUNK_PROBE_INTERVAL_SECONDS: '0',
    // sipp (every trunk of the tests) runs on loopback too, which trunks may not reach by default.
    TRUNK_ALLOWED_NETWORKS: '127.0.0.0/8',
    // Every worker of a run (extra workers, benches) gets a port of its own, never a make run's 9464.
    WORKER_METRICS_PORT: '0',
    // Small enough for a test to pass it (PUT /api/v1/calls/{id}/recording answers 413 beyond).
    INGEST_RECORDING_MAX_BYTES: String(4 * 1024 * 1024),
    // The journal's gRPC service on a free port, never a make run's 50051 (tests read it from env).
    GRPC_PORT: String(grpcPort),
    VOICECAST_DATA_DIR: join(tempDir, 'app-data'),
    ...options.env,
  });
  const dist = join(repoRoot(), 'dist');
  const common = { env, cwd: tempDir, stopGraceMs: 15_000 };
  const apps = {
    api: () =>
      startNodeApp({
        ...common,
        name: 'api',
        script: join(dist, 'api', 'main.js'),
        log: { file: join(logsDir, 'api.log') },
        ready: httpProbe(`${apiUrl}/readyz`),
        readyWhat: 'ready (GET /readyz)',
        readyTimeoutMs: 60_000,
      }),
    worker: () =>
      startNodeApp({
        ...common,
        name: 'worker',
        script: join(dist, 'worker.js'),
        log: { file: join(logsDir, 'worker.log') },
        readyFor: (pid) => taskQueuePollerProbe(temporal.httpUrl, temporal.namespace, env.TEMPORAL_TASK_QUEUE, pid),
        readyWhat: 'polling its task queue',
        readyTimeoutMs: 60_000,
      }),
  };
  supervisor.add(await apps.api());
  if (options.worker) supervisor.add(await apps.worker());
  const stack: PrivateStack = {
    apiUrl,
    admin,
    databaseUrl: postgres.url,
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      httpUrl: temporal.httpUrl,
    },
    minio: { endpoint: minio.endpoint, ...minioCredentials },
    tempDir,
    logsDir,
    pids: supervisor.pids(),
    env,
  };
  if (options.restartable) registerStackControl(stack, supervisor, { ...starters, ...apps });
  return stack;
}
