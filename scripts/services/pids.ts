/**
 * Process identity by PID. A PID alone can be reused after its process dies, so we pair it
 * with the kernel's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot)
 * wherever a PID outlives the process that recorded it (lock files, state files).
 */
import { readFileSync } from 'node:fs';
import { sleep } from './probes';

/** The process's start time as recorded by Linux, or `null` if unknown (no such process, no /proc). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: parse after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall; this slice starts at field 3
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is alive and, when `startTime` is given and /proc is available, still the
 * same process that had that start time.
 */
export function isProcessAlive(pid: number, startTime?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTime) {
    const now = processStartTime(pid);
    if (now !== null && now !== startTime) return false;
  }
  // A zombie (exited, not yet reaped) is as good as dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
  } catch {
    // no /proc: trust kill(0)
  }
  return true;
}

/**
 * Stops a process we started but hold no handle for: `signal`, then SIGKILL after
 * `graceMs`. Does nothing when the PID is gone or (given `startTime`) reused.
 * Resolves to whether the process was running.
 */
export async function killPid(
  pid: number,
  options: { signal?: NodeJS.Signals; graceMs?: number; startTime?: string | null } = {},
): Promise<boolean> {
  const { signal = 'SIGTERM', graceMs = 10_000, startTime } = options;
  if (!isProcessAlive(pid, startTime)) return false;
  try {
    process.kill(pid, signal);
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid, startTime)) return true;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  return true;
}
