/**
 * More worker processes (dist/worker.js) on the test stack's PostgreSQL, Temporal and
 * MinIO, serving a task queue of the test's own: tests that kill a worker or share a
 * campaign between workers do it there, never to the stack's worker.
 */
import { join } from 'node:path';
import { repoRoot, startNodeApp, taskQueuePollerProbe, type NodeApp } from '../../scripts/services';
import { readStack } from './stack';

export interface ExtraWorker {
  readonly app: NodeApp;
  readonly logFile: string;
  /** SIGKILL: no drain, no clean-up; the process is gone at once. */
  kill(): void;
}

let started = 0;

/** `env` adds to (or overrides) the stack's environment, e.g. shorter webhook retry intervals. */
export async function startExtraWorker(
  taskQueue: string,
  env: Readonly<Record<string, string>> = {},
): Promise<ExtraWorker> {
  const stack = readStack();
  const logFile = join(stack.logsDir, `extra-worker-${process.pid}-${++started}.log`);
  const app = await startNodeApp({
    name: `extra worker ${started}`,
    script: join(repoRoot(), 'dist', 'worker.js'),
    env: { ...stack.env, ...env, TEMPORAL_TASK_QUEUE: taskQueue },
    cwd: stack.tempDir,
    log: { file: logFile },
    ready: taskQueuePollerProbe(stack.temporal.httpUrl, stack.temporal.namespace, taskQueue),
    readyWhat: 'polling its task queue',
    readyTimeoutMs: 60_000,
    stopGraceMs: 15_000,
  });
  return { app, logFile, kill: () => process.kill(app.process.pid, 'SIGKILL') };
}
