/**
 * The application's own processes (the compiled API and worker), run with the same Node
 * binary as the caller.
 */
import { existsSync } from 'node:fs';
import { startProcess, type LogOptions, type ManagedProcess } from './managed-process';
import type { Probe } from './probes';

export interface NodeAppOptions {
  /** `api`, `worker`, … */
  readonly name: string;
  /** Absolute path of the compiled entry point, e.g. `<repo>/dist/api/main.js`. */
  readonly script: string;
  readonly args?: readonly string[];
  /** The complete environment of the app. */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly log: LogOptions;
  /** Readiness check (e.g. `GET /readyz`); without one the app counts as ready once spawned. */
  readonly ready?: Probe;
  /** Instead of `ready`: a check made for the started process's PID (a restarted worker must be told from the one before it). */
  readonly readyFor?: (pid: number) => Probe;
  /** What `ready` establishes, for messages ("ready (GET /readyz)"). */
  readonly readyWhat?: string;
  readonly readyTimeoutMs?: number;
  /** Must exceed the app's own shutdown grace (SHUTDOWN_GRACE_SECONDS). Default 35 s. */
  readonly stopGraceMs?: number;
  readonly detached?: boolean;
  readonly signal?: AbortSignal;
}

export interface NodeApp {
  readonly name: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts `node <script>` and waits for `ready`. On failure the process is stopped and the error holds its log tail. */
export async function startNodeApp(options: NodeAppOptions): Promise<NodeApp> {
  if (!existsSync(options.script)) {
    throw new Error(`${options.name}: ${options.script} does not exist; run \`make build\` first`);
  }
  const proc = await startProcess({
    name: options.name,
    command: process.execPath,
    args: [options.script, ...(options.args ?? [])],
    env: options.env,
    cwd: options.cwd,
    log: options.log,
    detached: options.detached,
    stopGraceMs: options.stopGraceMs ?? 35_000,
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  const ready = options.readyFor?.(proc.pid) ?? options.ready;
  if (ready) {
    try {
      await proc.waitUntilReady(ready, {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        signal: options.signal,
        what: options.readyWhat ?? 'ready',
      });
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return { name: options.name, process: proc, stop };
}
