/**
 * `make run`: the whole local stack in one terminal.
 *
 * Reads the application's configuration, takes the data directory's lock, checks the ports,
 * starts PostgreSQL, Temporal (dev server) and MinIO with their data and logs under
 * VOICECAST_DATA_DIR, then the API and the worker (their output comes here, prefixed).
 * Ctrl-C or SIGTERM stops everything in reverse order; a second Ctrl-C kills at once. If
 * any process dies on its own, the rest are stopped and we exit non-zero naming it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../lib/config';
import { httpProbe } from './services/probes';
import { repoRoot } from './services/paths';
import { startMinio } from './services/minio';
import { startNodeApp } from './services/node-app';
import { startPostgres } from './services/postgres';
import { Supervisor, type RunningService } from './services/supervisor';
import { startTemporal, taskQueuePollerProbe, type TemporalServer } from './services/temporal';
import { acquireStackLock, StackAlreadyRunningError, type StackLock } from './stack-lock';
import { findBusyPorts, planStack, SERVICE_HOST, StackPlanError, type StackPlan } from './stack-plan';
import { withMallocSettings } from '../lib/malloc-settings';

function say(message: string): void {
  process.stdout.write(`[stack] ${message}\n`);
}

function fail(message: string): void {
  process.stderr.write(`[stack] ERROR: ${message}\n`);
}

/** Raised inside the start-up when a signal asked us to stop. */
class Interrupted extends Error {}

async function startInfrastructure(
  plan: StackPlan,
  supervisor: Supervisor,
  signal: AbortSignal,
): Promise<TemporalServer> {
  let temporal: TemporalServer | undefined;
  const started = await Promise.allSettled([
    startPostgres({
      dataDir: join(plan.dataDir, 'postgres'),
      port: plan.postgres.port,
      user: plan.postgres.user,
      password: plan.postgres.password,
      database: plan.postgres.database,
      persistent: true,
      logFile: join(plan.logsDir, 'postgres.log'),
      detached: true,
      signal,
    }).then((s) => supervisor.add(s)),
    startTemporal({
      port: plan.temporal.port,
      uiPort: plan.temporal.uiPort,
      dbFile: join(plan.dataDir, 'temporal.sqlite'),
      namespace: plan.temporal.namespace,
      logFile: join(plan.logsDir, 'temporal.log'),
      detached: true,
      signal,
    }).then((s) => supervisor.add((temporal = s))),
    startMinio({
      dataDir: join(plan.dataDir, 'minio'),
      port: plan.minio.port,
      consolePort: plan.minio.consolePort,
      accessKey: plan.minio.accessKey,
      secretKey: plan.minio.secretKey,
      persistent: true,
      logFile: join(plan.logsDir, 'minio.log'),
      detached: true,
      signal,
    }).then((s) => supervisor.add(s)),
  ]);
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0 || !temporal) throw new Error(failures.map((f) => (f.reason as Error).message).join('\n\n'));
  return temporal;
}

async function startApps(
  plan: StackPlan,
  temporal: TemporalServer,
  supervisor: Supervisor,
  signal: AbortSignal,
): Promise<void> {
  const dist = join(repoRoot(), 'dist');
  // glibc's allocator settings (lib/malloc-settings.ts) unless the operator set their own.
  const common = { env: withMallocSettings(process.env), cwd: process.cwd(), detached: true, signal };
  say('starting the API (it applies pending migrations first)');
  supervisor.add(
    await startNodeApp({
      ...common,
      name: 'api',
      script: join(dist, 'api', 'main.js'),
      log: { terminal: { stream: process.stdout, prefix: '[api] ' } },
      ready: httpProbe(`${plan.api.probeUrl}/readyz`),
      readyWhat: 'ready (GET /readyz)',
      readyTimeoutMs: 120_000,
    }),
  );
  say('starting the worker');
  supervisor.add(
    await startNodeApp({
      ...common,
      name: 'worker',
      script: join(dist, 'worker.js'),
      log: { terminal: { stream: process.stdout, prefix: '[worker] ' } },
      ready: taskQueuePollerProbe(temporal.httpUrl, plan.temporal.namespace, plan.temporal.taskQueue),
      readyWhat: `polling task queue "${plan.temporal.taskQueue}"`,
      readyTimeoutMs: 60_000,
    }),
  );
}

function banner(plan: StackPlan): string {
  const pg = plan.postgres;
  return [
    'Voicecast is up:',
    `  API            ${plan.api.publicUrl}`,
    `  Swagger UI     ${plan.api.publicUrl}/docs`,
    `  Temporal UI    http://${SERVICE_HOST}:${plan.temporal.uiPort}`,
    `  MinIO console  http://${SERVICE_HOST}:${plan.minio.consolePort}  (user ${plan.minio.accessKey}, password MINIO_SECRET_KEY)`,
    `  PostgreSQL     postgres://${pg.user}:***@${SERVICE_HOST}:${pg.port}/${pg.database}`,
    `  Temporal gRPC  ${SERVICE_HOST}:${plan.temporal.port}   MinIO S3 API  http://${SERVICE_HOST}:${plan.minio.port}`,
    `Data in ${plan.dataDir}; PostgreSQL, Temporal and MinIO log to ${plan.logsDir}/.`,
    'Press Ctrl-C to stop everything.',
  ].join('\n');
}

function recordChildren(lock: StackLock, services: readonly RunningService[]): void {
  lock.recordChildren(
    services.map((s) => ({ name: s.name, pid: s.process.pid, signal: s.name === 'postgres' ? 'SIGINT' : 'SIGTERM' })),
  );
}

async function runStack(plan: StackPlan, lock: StackLock): Promise<number> {
  const supervisor = new Supervisor();
  const abort = new AbortController();
  let stopRequested: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stopRequested = resolve));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals === 1) {
      say(`${signal} received, stopping (press Ctrl-C again to kill everything at once)`);
      abort.abort(new Interrupted(signal));
      stopRequested(signal);
      return;
    }
    fail('second signal: killing every service now');
    supervisor.killAll();
    lock.release();
    process.exit(130);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  // A child that dies during start-up must not leave us waiting for the next one's timeout.
  let failure: string | undefined;
  void supervisor.unexpectedExit.then((crash) => {
    failure ??= crash.message;
    abort.abort(new Interrupted(crash.service.name));
  });
  let code = 0;
  try {
    say(`starting PostgreSQL, Temporal and MinIO (logs in ${plan.logsDir}/)`);
    const temporal = await startInfrastructure(plan, supervisor, abort.signal);
    recordChildren(lock, supervisor.all);
    await startApps(plan, temporal, supervisor, abort.signal);
    recordChildren(lock, supervisor.all);
    process.stdout.write(`\n${banner(plan)}\n\n`);
    const outcome = await Promise.race([supervisor.unexpectedExit, stopSignal]);
    if (typeof outcome !== 'string') failure ??= outcome.message;
  } catch (err) {
    if (!abort.signal.aborted) failure ??= (err as Error).message;
  } finally {
    if (failure) {
      fail(failure);
      code = 1;
    }
    try {
      await supervisor.stopAll((name) => say(`stopping ${name}`));
      say(code === 0 ? 'stopped' : 'stopped everything else');
    } catch (err) {
      fail((err as Error).message);
      code = 1;
    }
  }
  return code;
}

/** Entry point; resolves with the process exit code. */
export async function main(): Promise<number> {
  let plan: StackPlan;
  try {
    plan = planStack(loadConfig());
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StackPlanError) {
      fail(err.message);
      return 2;
    }
    throw err;
  }
  mkdirSync(plan.logsDir, { recursive: true });
  let lock: StackLock;
  try {
    lock = await acquireStackLock(plan.dataDir, say);
  } catch (err) {
    if (err instanceof StackAlreadyRunningError) {
      fail(err.message);
      return 1;
    }
    throw err;
  }
  try {
    const missing = ['api/main.js', 'worker.js'].map((f) => join(repoRoot(), 'dist', f)).filter((f) => !existsSync(f));
    if (missing.length > 0) {
      fail(`${missing.join(' and ')} not found; run \`make build\` (or use \`make run\`, which builds first)`);
      return 1;
    }
    const busy = await findBusyPorts(plan);
    if (busy.length > 0) {
      fail(`cannot start:\n  - ${busy.join('\n  - ')}`);
      return 1;
    }
    return await runStack(plan, lock);
  } finally {
    lock.release();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
