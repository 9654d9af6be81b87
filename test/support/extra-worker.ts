/**
 * More worker processes (dist/worker.js) on the test stack's PostgreSQL, Temporal and
 * MinIO, serving a task queue of the test's own: tests that kill a worker or share a
 * campaign between workers do it there, never to the stack's worker.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, startNodeApp, taskQueuePollerProbe, type NodeApp } from '../../scripts/services';
import { readStack } from './stack';

export interface ExtraWorker {
  readonly app: NodeApp;
  readonly logFile: string;
  /** SIGKILL: no drain, no clean-up; the process is gone at once. */
  kill(): void;
  /** SIGTERM: the worker drains (see worker.ts); settles with the exit once it is gone. */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: Date }>;
}

let started = 0;

/**
 * The workflows of dist/ bundled once per test run, in the stack's directory, for every extra
 * worker (WORKFLOW_BUNDLE_PATH): the same code each would bundle itself, without the seconds
 * that takes at each start. `make test` builds dist/ before the run, so it cannot go stale.
 */
export async function sharedWorkflowBundle(tempDir: string): Promise<string> {
  const file = join(tempDir, 'workflow-bundle.js');
  if (!existsSync(file)) {
    await promisify(execFile)(process.execPath, [join(repoRoot(), 'dist', 'scripts', 'bundle-workflows.js'), file]);
  }
  return file;
}

/** `env` adds to (or overrides) the stack's environment, e.g. `SHUTDOWN_GRACE_SECONDS`. */
export async function startExtraWorker(taskQueue: string, env: NodeJS.ProcessEnv = {}): Promise<ExtraWorker> {
  const stack = readStack();
  const logFile = join(stack.logsDir, `extra-worker-${process.pid}-${++started}.log`);
  const app = await startNodeApp({
    name: `extra worker ${started}`,
    script: join(repoRoot(), 'dist', 'worker.js'),
    env: {
      ...stack.env,
      WORKFLOW_BUNDLE_PATH: await sharedWorkflowBundle(stack.tempDir),
      ...env,
      TEMPORAL_TASK_QUEUE: taskQueue,
    },
    cwd: stack.tempDir,
    log: { file: logFile },
    ready: taskQueuePollerProbe(stack.temporal.httpUrl, stack.temporal.namespace, taskQueue),
    readyWhat: 'polling its task queue',
    readyTimeoutMs: 60_000,
    stopGraceMs: 15_000,
  });
  const terminate = async () => {
    process.kill(app.process.pid, 'SIGTERM');
    const exit = await app.process.exited;
    return { ...exit, at: new Date() };
  };
  return { app, logFile, kill: () => process.kill(app.process.pid, 'SIGKILL'), terminate };
}
