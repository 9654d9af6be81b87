/**
 * The lock that keeps two `make run` stacks off one data directory.
 *
 * `<dataDir>/stack.lock` is created exclusively and holds the runner's PID and kernel start
 * time, plus the PIDs of the services it started. A lock whose owner is gone (or whose PID
 * now belongs to another process) is stale: the next runner takes it over, after stopping
 * any services the dead runner left behind (matched by PID and start time, never by name).
 */
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, killPid, processStartTime } from './services/pids';
import { sleep } from './services/probes';

export interface LockChild {
  readonly name: string;
  readonly pid: number;
  readonly startTime: string | null;
  /** Signal for a graceful stop (PostgreSQL: SIGINT). */
  readonly signal: NodeJS.Signals;
}

export interface LockOwner {
  readonly pid: number;
  readonly startTime: string | null;
  readonly startedAt: string;
  readonly children: readonly LockChild[];
}

/** Thrown when a live runner holds the lock. */
export class StackAlreadyRunningError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: LockOwner,
  ) {
    super(
      `another \`make run\` (PID ${owner.pid}, started ${owner.startedAt}) is using this data directory ` +
        `(lock ${lockFile}). Stop it with Ctrl-C in its terminal, or give this one another ` +
        'VOICECAST_DATA_DIR and other ports.',
    );
    this.name = 'StackAlreadyRunningError';
  }
}

/** A held lock. */
export class StackLock {
  constructor(
    readonly path: string,
    private owner: LockOwner,
  ) {}

  /** Records the services started so far, so a successor can clean up after a crash. */
  recordChildren(children: readonly { name: string; pid: number; signal?: NodeJS.Signals }[]): void {
    this.owner = {
      ...this.owner,
      children: children.map((c) => ({
        name: c.name,
        pid: c.pid,
        startTime: processStartTime(c.pid),
        signal: c.signal ?? 'SIGTERM',
      })),
    };
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.owner, null, 2));
    renameSync(tmp, this.path); // atomic: the lock file never disappears meanwhile
  }

  /** Removes the lock file if it is still ours. */
  release(): void {
    const current = readOwner(this.path);
    if (current && current.pid === this.owner.pid && current.startTime === this.owner.startTime) {
      unlinkSync(this.path);
    }
  }
}

/** The lock's path for a data directory. */
export function lockPath(dataDir: string): string {
  return join(dataDir, 'stack.lock');
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      startTime: parsed.startTime ?? null,
      startedAt: parsed.startedAt ?? 'at an unknown time',
      children: Array.isArray(parsed.children) ? parsed.children : [],
    };
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `dataDir` for this process. Throws {@link StackAlreadyRunningError}
 * when a live runner holds it (this process included); takes a stale lock over, calling
 * `notice` with what it cleaned up.
 */
export async function acquireStackLock(
  dataDir: string,
  notice: (message: string) => void = () => undefined,
): Promise<StackLock> {
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const me: LockOwner = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    startedAt: new Date().toISOString(),
    children: [],
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me, null, 2), { flag: 'wx' });
      return new StackLock(path, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(path);
    if (!owner) {
      // Being written right now, or garbage: give a fresh file a moment, then take it over.
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (Date.now() - stat.mtimeMs < 2000) {
        await sleep(500);
        continue;
      }
      notice(`replacing the unreadable lock file ${path}`);
      unlinkSync(path);
      continue;
    }
    if (isProcessAlive(owner.pid, owner.startTime)) throw new StackAlreadyRunningError(path, owner);
    await stopLeftovers(owner, notice);
    notice(`took over the stale lock of PID ${owner.pid}, which is no longer running`);
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it; retry the exclusive create
    }
  }
  throw new Error(`could not take the lock ${path}; remove it if no \`make run\` is running`);
}

async function stopLeftovers(owner: LockOwner, notice: (message: string) => void): Promise<void> {
  for (const child of [...owner.children].reverse()) {
    if (!child.startTime || !isProcessAlive(child.pid, child.startTime)) continue;
    notice(`stopping ${child.name} (PID ${child.pid}), left running by the previous \`make run\``);
    await killPid(child.pid, { signal: child.signal, startTime: child.startTime, graceMs: 15_000 });
  }
}
