/**
 * A private, throw-away stack on free ports in a directory of its own: PostgreSQL, the
 * Temporal dev server (headless, in memory), MinIO (no console), then the compiled API
 * (waits for `GET /readyz`) and optionally the worker (waits until it polls its task
 * queue). Used by the test harness (test/support/global-setup.ts) and the benchmarks; it
 * never touches a `make run` stack or its data.
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
import { startTemporal, taskQueuePollerProbe } from './temporal';

export interface PrivateStack {
  /** Base URL of the API (also its PUBLIC_URL), e.g. http://127.0.0.1:41234 */
  readonly apiUrl: string;
  /** The administrator created at the API's first start (ADMIN_USERNAME / ADMIN_PASSWORD). */
  readonly admin: { readonly username: string; readonly password: string };
  /** The application's DATABASE_URL (role owns the database; CREATEDB; not a superuser). */
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
  /** Variables set for the API and the worker on top of the stack's own. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Variables the apps inherit from the caller; everything else is set explicitly. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL'];

async function startInfrastructure(
  ports: { postgres: number; temporal: number; minio: number },
  dirs: { tempDir: string; logsDir: string },
  supervisor: Supervisor,
  durable: boolean,
) {
  const { tempDir, logsDir } = dirs;
  const db = { user: 'voicecast', password: randomBytes(18).toString('base64url'), database: 'voicecast' };
  const minioCredentials = { accessKey: 'voicecast-test', secretKey: randomBytes(18).toString('base64url') };
  const started = await Promise.allSettled([
    startPostgres({
      ...db,
      dataDir: join(tempDir, 'postgres'),
      port: ports.postgres,
      persistent: durable,
      logFile: join(logsDir, 'postgres.log'),
    }).then((s) => supervisor.add(s)),
    startTemporal({ port: ports.temporal, uiPort: null, dbFile: null, logFile: join(logsDir, 'temporal.log') }).then(
      (s) => supervisor.add(s),
    ),
    startMinio({
      ...minioCredentials,
      dataDir: join(tempDir, 'minio'),
      port: ports.minio,
      consolePort: null,
      persistent: false,
      logFile: join(logsDir, 'minio.log'),
    }).then((s) => supervisor.add(s)),
  ]);
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) throw new Error(failures.map((f) => (f.reason as Error).message).join('\n\n'));
  const [postgres, temporal, minio] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startPostgres>>,
    Awaited<ReturnType<typeof startTemporal>>,
    Awaited<ReturnType<typeof startMinio>>,
  ];
  return { postgres, temporal, minio, minioCredentials };
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
  const [postgresPort, temporalPort, minioPort, apiPort] = await freePorts(4);
  const { postgres, temporal, minio, minioCredentials } = await startInfrastructure(
    { postgres: postgresPort, temporal: temporalPort, minio: minioPort },
    { tempDir, logsDir },
    supervisor,
    options.durableDatabase ?? false,
  );
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const admin = { username: 'admin', password: randomBytes(18).toString('base64url') };
  const env: Record<string, string> = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name];
  Object.assign(env, {
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
    // sipp (every trunk of the tests) runs on loopback too, which trunks may not reach by default.
    TRUNK_ALLOWED_NETWORKS: '127.0.0.0/8',
    VOICECAST_DATA_DIR: join(tempDir, 'app-data'),
    ...options.env,
  });
  const dist = join(repoRoot(), 'dist');
  const common = { env, cwd: tempDir, stopGraceMs: 15_000 };
  supervisor.add(
    await startNodeApp({
      ...common,
      name: 'api',
      script: join(dist, 'api', 'main.js'),
      log: { file: join(logsDir, 'api.log') },
      ready: httpProbe(`${apiUrl}/readyz`),
      readyWhat: 'ready (GET /readyz)',
      readyTimeoutMs: 60_000,
    }),
  );
  if (options.worker) {
    supervisor.add(
      await startNodeApp({
        ...common,
        name: 'worker',
        script: join(dist, 'worker.js'),
        log: { file: join(logsDir, 'worker.log') },
        ready: taskQueuePollerProbe(temporal.httpUrl, temporal.namespace, env.TEMPORAL_TASK_QUEUE),
        readyWhat: 'polling its task queue',
        readyTimeoutMs: 60_000,
      }),
    );
  }
  return {
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
}
