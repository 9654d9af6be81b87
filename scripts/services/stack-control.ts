/**
 * Stopping and starting the services of a restartable private stack
 * (`startPrivateStack(dir, supervisor, { restartable: true, … })`), for fault tests and
 * benchmarks: PostgreSQL, Temporal and MinIO come back on the same port with the same
 * data, the API and the worker with the same environment.
 *
 * ```ts
 * const ctl = stackControl(stack);
 * await ctl.stop('postgres');          // its own graceful stop; data kept
 * await ctl.start('postgres');         // same port, same data; resolves once ready
 * await ctl.stop('worker', 'SIGKILL'); // a crash: no drain
 * await ctl.restart('worker', 'SIGTERM');
 * ```
 *
 * A stop through here is a requested exit, so the supervisor never reports it. Nothing is
 * done to the other services: the API and the worker keep running while a service they
 * depend on is down, and an app that dies of it shows in {@link StackControl.crashed}.
 */
import { describeExit, type ExitInfo } from './managed-process';
import type { PrivateStack } from './private-stack';
import type { RunningService, Supervisor } from './supervisor';

export const STACK_SERVICES = ['postgres', 'temporal', 'minio', 'api', 'worker'] as const;
export type StackService = (typeof STACK_SERVICES)[number];

export interface StackControl {
  /** Whether `name` runs now. */
  running(name: StackService): boolean;
  /** The PID of `name`'s current (or last) process. */
  pid(name: StackService): number;
  /**
   * Stops `name` and resolves with its exit once it is gone. Without `signal`: its own
   * graceful stop (PostgreSQL's fast shutdown, SIGTERM for the others; SIGKILL after the
   * grace period). With `signal`: that signal, SIGKILL after the same grace unless it was
   * SIGKILL. For a PostgreSQL crash use SIGQUIT (immediate shutdown, recovery at the next
   * start): SIGKILL would kill the postmaster alone and leave its backends holding the
   * shared memory, so that the next start fails.
   */
  stop(name: StackService, signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** Starts `name` again (it must have exited) and resolves once it is ready. */
  start(name: StackService): Promise<void>;
  /** {@link stop} (if running) then {@link start}. */
  restart(name: StackService, signal?: NodeJS.Signals): Promise<void>;
  /** Services that exited although nobody asked them to, with how, e.g. `worker exited with code 1`. */
  crashed(): string[];
}

type Starters = Readonly<Record<StackService, () => Promise<RunningService>>>;

const controls = new WeakMap<PrivateStack, StackControl>();

/** The control of a stack started with `restartable: true`. */
export function stackControl(stack: PrivateStack): StackControl {
  const control = controls.get(stack);
  if (!control)
    throw new Error('this stack was not started with `restartable: true`: its services delete their data on stop');
  return control;
}

/** @internal called by startPrivateStack. */
export function registerStackControl(stack: PrivateStack, supervisor: Supervisor, starters: Starters): void {
  const service = (name: StackService): RunningService => {
    const found = supervisor.all.find((s) => s.name === name);
    if (!found) throw new Error(`${name} was not started in this stack`);
    return found;
  };
  const pending = new Map<StackService, Promise<void>>();
  const control: StackControl = {
    running: (name) => supervisor.all.some((s) => s.name === name && s.process.running),
    pid: (name) => service(name).process.pid,
    async stop(name, signal) {
      const current = service(name);
      if (signal === undefined) await current.stop();
      else await current.process.stop(signal);
      return current.process.exited;
    },
    async start(name) {
      if (pending.has(name)) throw new Error(`${name} is being started already`);
      if (control.running(name)) throw new Error(`${name} is running; stop it first`);
      const starting = starters[name]().then((started) => {
        supervisor.replace(started);
      });
      pending.set(name, starting);
      try {
        await starting;
      } finally {
        pending.delete(name);
      }
    },
    async restart(name, signal) {
      if (control.running(name)) await control.stop(name, signal);
      await control.start(name);
    },
    crashed: () => supervisor.crashed().map((s) => `${s.name} (PID ${s.process.pid}) ${describeExit(s.process.exit!)}`),
  };
  controls.set(stack, control);
}
