/**
 * Readiness probes: small functions that say whether a service answers yet, and why not.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';

/** One probe attempt's verdict; `detail` says what was observed (shown when a wait times out). */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** A readiness check. It must not throw; it must settle within its own short timeout. */
export type Probe = () => Promise<ProbeResult>;

/** Ready when a TCP connection to `host:port` is accepted. */
export function tcpProbe(host: string, port: number, timeoutMs = 1000): Probe {
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (result: ProbeResult): void => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `tcp ${host}:${port}: timed out` }));
      socket.once('connect', () => done({ ok: true, detail: `tcp ${host}:${port}: connected` }));
      socket.once('error', (err) => done({ ok: false, detail: `tcp ${host}:${port}: ${err.message}` }));
    });
}

/** Ready when `GET url` answers with `status` (200 by default) and, if given, `accept(body)` holds. */
export function httpProbe(
  url: string,
  options: { status?: number; timeoutMs?: number; accept?: (body: string) => boolean } = {},
): Probe {
  const { status = 200, timeoutMs = 2000, accept } = options;
  return async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await res.text();
      if (res.status !== status) {
        return { ok: false, detail: `GET ${url}: ${res.status} ${body.slice(0, 300)}` };
      }
      if (accept && !accept(body)) return { ok: false, detail: `GET ${url}: ${body.slice(0, 300)}` };
      return { ok: true, detail: `GET ${url}: ${res.status}` };
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      return { ok: false, detail: `GET ${url}: ${(err as Error).message}${cause ? ` (${cause})` : ''}` };
    }
  };
}

/** Ready when every probe is ready (run in order; the first failure is reported). */
export function allProbes(...probes: Probe[]): Probe {
  return async () => {
    const details: string[] = [];
    for (const probe of probes) {
      const result = await probe();
      if (!result.ok) return result;
      details.push(result.detail);
    }
    return { ok: true, detail: details.join('; ') };
  };
}

/**
 * Ready when PostgreSQL's `postmaster.pid` in `dataDir` belongs to `pid` and says `ready`.
 * This is the status line `pg_ctl -w` waits on; a bare TCP accept is not enough because
 * the server refuses sessions with "the database system is starting up" until then.
 */
export function postmasterReadyProbe(dataDir: string, pid: number): Probe {
  return async () => {
    try {
      const lines = (await readFile(`${dataDir}/postmaster.pid`, 'utf8')).split('\n');
      if (Number(lines[0]) !== pid) return { ok: false, detail: `postmaster.pid belongs to pid ${lines[0]}` };
      const status = (lines[7] ?? '').trim();
      return { ok: status === 'ready', detail: `postmaster status "${status || 'unknown'}"` };
    } catch (err) {
      return { ok: false, detail: `postmaster.pid: ${(err as Error).message}` };
    }
  };
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const reason = (): Error => (signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(reason());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(reason());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
