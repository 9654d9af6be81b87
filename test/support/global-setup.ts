/**
 * Jest globalSetup: starts the real services once for the whole run, on free ports, in a
 * fresh temporary directory, so it never touches a `make run` stack or its data:
 * PostgreSQL (fsync off), the Temporal dev server (headless, in memory, with the search
 * attributes), MinIO (no console), then the compiled API (`dist/api/main.js`, waits for
 * `GET /readyz`) and the worker (`dist/worker.js`, waits until it polls its task queue).
 * The state is written to `<tempDir>/stack.json` for {@link readStack}.
 *
 * Jest calls the default export (the one default export in the code base: jest's contract).
 * globalSetup and globalTeardown run in the same process, so the handles live on
 * `globalThis`. If start-up fails, what was started is stopped again (jest skips the
 * teardown then) and the error quotes the failing service's log.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePorts,
  httpProbe,
  repoRoot,
  startMinio,
  startNodeApp,
  startPostgres,
  startTemporal,
  Supervisor,
  taskQueuePollerProbe,
} from '../../scripts/services';
import { STACK_STATE_ENV, type TestStack } from './stack';

/** Key on `globalThis` under which the teardown finds the running stack. */
export const RUNNING_STACK = Symbol.for('voicecast.test-stack');

export interface RunningTestStack {
  readonly supervisor: Supervisor;
  readonly state: TestStack;
}

/** Variables the apps inherit from the caller; everything else is set explicitly. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL'];

async function startStack(tempDir: string, supervisor: Supervisor): Promise<TestStack> {
  const logsDir = join(tempDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const [pgPort, temporalPort, minioPort, apiPort] = await freePorts(4);
  const db = { user: 'voicecast', password: randomBytes(18).toString('base64url'), database: 'voicecast' };
  const minioCredentials = { accessKey: 'voicecast-test', secretKey: randomBytes(18).toString('base64url') };

  const started = await Promise.allSettled([
    startPostgres({
      ...db,
      dataDir: join(tempDir, 'postgres'),
      port: pgPort,
      persistent: false,
      logFile: join(logsDir, 'postgres.log'),
    }).then((s) => supervisor.add(s)),
    startTemporal({ port: temporalPort, uiPort: null, dbFile: null, logFile: join(logsDir, 'temporal.log') }).then(
      (s) => supervisor.add(s),
    ),
    startMinio({
      ...minioCredentials,
      dataDir: join(tempDir, 'minio'),
      port: minioPort,
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
    VOICECAST_DATA_DIR: join(tempDir, 'app-data'),
    // Trunk tests send SIP from the API: keep it on loopback, like every peer in the tests.
    SIP_BIND_ADDRESS: '127.0.0.1',
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

/** Starts the stack; see the file comment. */
export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  const tempDir = mkdtempSync(join(tmpdir(), 'voicecast-test-'));
  chmodSync(tempDir, 0o755); // PostgreSQL may run as another OS user and must traverse it
  const supervisor = new Supervisor();
  // Last resort if jest exits without the teardown (it does not call it when setup fails).
  process.once('exit', () => supervisor.killAll());
  let state: TestStack;
  try {
    state = await startStack(tempDir, supervisor);
  } catch (err) {
    await supervisor.stopAll().catch(() => undefined);
    throw new Error(
      `the test stack did not start (logs kept in ${join(tempDir, 'logs')}):\n${(err as Error).message}`,
      { cause: err },
    );
  }
  const stateFile = join(tempDir, 'stack.json');
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.env[STACK_STATE_ENV] = stateFile;
  (globalThis as Record<symbol, unknown>)[RUNNING_STACK] = { supervisor, state } satisfies RunningTestStack;
  process.stderr.write(
    `\ntest stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: API ${state.apiUrl}, logs in ${state.logsDir}\n`,
  );
}
