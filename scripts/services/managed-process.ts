/**
 * A child process the local stack owns: spawned with its output sent to a log file and/or
 * the terminal (line-prefixed), watched until it is ready, and stopped by its PID alone
 * (signal, then SIGKILL after a grace period). Nothing here ever signals a process group
 * or a process found by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync, readSync, fstatSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep, type Probe } from './probes';

/** Where a process's stdout and stderr go. Give at least one. */
export interface LogOptions {
  /** Append both streams to this file (created with its directory). */
  readonly file?: string;
  /** Copy each output line to this stream with a prefix such as `[api] `. */
  readonly terminal?: { readonly stream: NodeJS.WritableStream; readonly prefix: string };
}

export interface ProcessSpec {
  /** Short name used in messages (`postgres`, `api`). */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** The complete environment of the child (not merged with ours). Defaults to ours. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly log: LogOptions;
  /** Run as another OS user (PostgreSQL refuses to run as root). */
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /**
   * Start the child in its own process group, so a Ctrl-C in the terminal reaches only us
   * and we can stop the children in order. Leave false in tests: there a Ctrl-C should
   * reach everything.
   */
  readonly detached?: boolean;
  /** Signal that asks for a graceful stop. Default SIGTERM. */
  readonly stopSignal?: NodeJS.Signals;
  /** How long `stop()` waits after `stopSignal` before SIGKILL. Default 10 s. */
  readonly stopGraceMs?: number;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Renders an exit as "exited with code 1" / "was killed by SIGKILL". */
export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

const TAIL_BUFFER_LINES = 200;

/** A running child; create it with {@link startProcess}. */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles once when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private stopping: Promise<ExitInfo> | undefined;
  private readonly recent: string[] = [];
  private readonly closed: Promise<void>;

  /** @internal use {@link startProcess} */
  constructor(
    private readonly child: ChildProcess,
    private readonly spec: ProcessSpec,
  ) {
    this.name = spec.name;
    this.pid = child.pid as number;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      }),
    );
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    // Errors after spawn (a failed kill) must not crash the owner.
    child.on('error', () => undefined);
  }

  /** The exit status once the process has exited. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** True once `stop()` was called: an exit after that is expected. */
  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  /** @internal */
  remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > TAIL_BUFFER_LINES) this.recent.shift();
  }

  /** The last `lines` lines of output (from the log file when there is one). */
  logTail(lines = 40): string {
    const file = this.spec.log.file;
    if (file) return tailFile(file, lines);
    return this.recent.slice(-lines).join('\n');
  }

  /**
   * Polls `probe` every `intervalMs` until it reports ready. Rejects with the log tail when
   * the process exits first, when `timeoutMs` passes, or when `signal` aborts.
   */
  async waitUntilReady(
    probe: Probe,
    options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; what?: string },
  ): Promise<void> {
    const { timeoutMs, intervalMs = 200, signal, what = 'ready' } = options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitInfo) {
        await Promise.race([this.closed, sleep(500)]);
        throw new Error(`${this.name} ${describeExit(this.exitInfo)} before it was ${what}.${this.tailForError()}`);
      }
      signal?.throwIfAborted();
      const result = await probe();
      if (result.ok) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `${this.name} was not ${what} after ${Math.round(timeoutMs / 1000)} s (last check: ${result.detail}).${this.tailForError()}`,
        );
      }
      await sleep(intervalMs, signal);
    }
  }

  /** Log tail formatted for an error message. */
  tailForError(lines = 30): string {
    const tail = this.logTail(lines).trim();
    const where = this.spec.log.file ? ` (${this.spec.log.file})` : '';
    return tail ? `\n--- last lines of ${this.name}'s output${where} ---\n${tail}\n---` : ` No output${where}.`;
  }

  /**
   * Asks the process to stop (`signal`, by default its `stopSignal`), then SIGKILLs it after
   * the grace period. Idempotent (a second call's signal is ignored); resolves with the exit
   * status. The exit counts as requested, also with `SIGKILL` (a fault test's crash).
   */
  stop(signal: NodeJS.Signals = this.spec.stopSignal ?? 'SIGTERM'): Promise<ExitInfo> {
    this.stopping ??= (async () => {
      if (this.exitInfo) return this.exitInfo;
      this.child.kill(signal);
      if (signal === 'SIGKILL') return this.exited;
      const graceMs = this.spec.stopGraceMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const first = await Promise.race([this.exited, timedOut]);
      clearTimeout(timer);
      if (first === 'timeout') this.child.kill('SIGKILL');
      return this.exited;
    })();
    return this.stopping;
  }

  /** Stops the process immediately with SIGKILL (used on a second Ctrl-C). */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}

/**
 * Spawns a process as described by `spec`. Rejects when it cannot be spawned at all
 * (missing binary, permission denied).
 */
export async function startProcess(spec: ProcessSpec): Promise<ManagedProcess> {
  const { file, terminal } = spec.log;
  let fd: number | undefined;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, 'a');
  }
  const piped = terminal !== undefined || fd === undefined;
  const child = spawn(spec.command, spec.args ?? [], {
    env: spec.env ?? process.env,
    cwd: spec.cwd,
    stdio: piped ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
    detached: spec.detached ?? false,
    ...(spec.runAs ? { uid: spec.runAs.uid, gid: spec.runAs.gid } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    throw new Error(`cannot start ${spec.name} (${spec.command}): ${(err as Error).message}`, { cause: err });
  }
  const managed = new ManagedProcess(child, spec);
  if (!piped && fd !== undefined) {
    closeSync(fd); // the child holds its own copy
  } else {
    if (fd !== undefined) closeSync(fd);
    const fileStream: WriteStream | undefined = file ? createWriteStream(file, { flags: 'a' }) : undefined;
    let open = 2;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => {
        managed.remember(line);
        terminal?.stream.write(`${terminal.prefix}${line}\n`);
        fileStream?.write(`${line}\n`);
      });
      lines.once('close', () => {
        if (--open === 0) fileStream?.end();
      });
    }
  }
  return managed;
}

/** The last `lines` lines of a text file (reads at most the final 64 KiB). */
export function tailFile(path: string, lines: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}
