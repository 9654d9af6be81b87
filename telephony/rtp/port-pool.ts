/**
 * The RTP port range: hands out even ports (RTP convention, RFC 3550 §11; the odd port
 * above is left for RTCP, which we do not bind) and binds the call's UDP socket on one.
 *
 * Ports are picked at random among the free ones (crypto.randomInt), so the next call's port
 * cannot be predicted from the last one's (review F5: an attacker spraying the range ahead
 * of the far end), and a port just released is rarely the next one taken. A port another
 * process holds (EADDRINUSE, or EACCES) is skipped and tried again on a
 * later round; any other bind error (e.g. an address not on this host) is thrown at once.
 *
 * A call's socket is handed back with {@link PortPool.recycle} and kept bound for a while:
 * binding and closing a socket for every call was a tenth of the CPU of a short call in
 * `make bench-sip`. An idle socket drops whatever still arrives on it. One of those idle
 * for `reuseAfterMs`, picked at random, is reused (2 s: late packets of its last call have long arrived,
 * and a far end that still sends after its BYE is treated as it was on a port released and
 * bound again), or sooner when the range has no unbound port left — the same spacing the
 * round-robin gives then. Sockets idle for `idleCloseMs` (10 s) are closed, so a quiet
 * worker holds no ports it does not use.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { isIP, isIPv6 } from 'node:net';
import { TelephonyError } from '../telephony-error.js';

export interface BoundSocket {
  readonly socket: Socket;
  readonly port: number;
}

/** Thrown when every even port of the range is in use. */
export class PortsExhaustedError extends TelephonyError {
  override readonly name = 'PortsExhaustedError';
  readonly code = 'rtp-ports-exhausted';
}

const SKIPPABLE = new Set(['EADDRINUSE', 'EACCES']);

export interface PortPoolOptions {
  /** A socket handed back is reused once idle this long (sooner when no port is unbound). Default 2,000 ms. */
  readonly reuseAfterMs?: number;
  /** A socket idle this long is closed and its port released. Default 10,000 ms. */
  readonly idleCloseMs?: number;
}

/** A socket handed back by a call, still bound, waiting for the next one. */
interface IdleSocket extends BoundSocket {
  readonly address: string;
  readonly since: number;
}

const ignoreIdleError = (): void => undefined;

export class PortPool {
  private readonly ports: number[];
  /** Ports bound by a call or held by an idle socket. */
  private readonly used = new Set<number>();
  /** Oldest first. */
  private idle: IdleSocket[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly reuseAfterMs: number;
  private readonly idleCloseMs: number;

  /** `min`–`max` inclusive; only the even ports in it are used. */
  constructor(
    readonly min: number,
    readonly max: number,
    options: PortPoolOptions = {},
  ) {
    this.reuseAfterMs = options.reuseAfterMs ?? 2000;
    this.idleCloseMs = Math.max(options.idleCloseMs ?? 10_000, this.reuseAfterMs);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
      throw new RangeError(`RTP port range must be integers within 1–65535, got ${min}–${max}`);
    }
    this.ports = [];
    for (let port = min + (min % 2); port <= max; port += 2) this.ports.push(port);
    if (this.ports.length === 0) throw new RangeError(`RTP port range ${min}–${max} holds no even port`);
  }

  /** Even ports in the range. */
  get capacity(): number {
    return this.ports.length;
  }

  /** Ports handed out to calls and not yet handed back. */
  get inUse(): number {
    return this.used.size - this.idle.length;
  }

  /** Sockets handed back and kept bound for reuse. */
  get idleSockets(): number {
    return this.idle.length;
  }

  /**
   * Reserves a free port, picked at random, without binding; `undefined` when none is free.
   * Pair with {@link release}. A few random draws (uniform among free ports while the range
   * is not nearly full), then a scan from a random place.
   */
  acquire(): number | undefined {
    if (this.used.size >= this.ports.length) return undefined;
    for (let draw = 0; draw < 8; draw += 1) {
      const port = this.ports[randomInt(this.ports.length)];
      if (!this.used.has(port)) return this.reserve(port);
    }
    const start = randomInt(this.ports.length);
    for (let i = 0; i < this.ports.length; i += 1) {
      const port = this.ports[(start + i) % this.ports.length];
      if (!this.used.has(port)) return this.reserve(port);
    }
    return undefined;
  }

  private reserve(port: number): number {
    this.used.add(port);
    return port;
  }

  /** Returns a port to the pool (unknown or already released ports are ignored). */
  release(port: number): void {
    this.used.delete(port);
  }

  /**
   * A UDP socket bound to `address` on an even port of the range (udp6 for an IPv6
   * address): an idle one (see the module notes) or a newly bound one. Hand it back with
   * {@link recycle} when done (or close it and {@link release} the port).
   */
  async bindSocket(address: string): Promise<BoundSocket> {
    const now = performance.now();
    void this.closeIdle(now - this.idleCloseMs); // their ports are released at once; the closing finishes in the background
    const ripe: number[] = [];
    for (let i = 0; i < this.idle.length && now - this.idle[i].since >= this.reuseAfterMs; i += 1) {
      if (this.idle[i].address === address) ripe.push(i);
    }
    if (ripe.length > 0) return this.takeIdle(ripe[randomInt(ripe.length)]);
    const reusable = this.idle.findIndex((entry) => entry.address === address);
    if (reusable >= 0 && this.used.size >= this.ports.length) return this.takeIdle(reusable);
    try {
      return await this.bindFresh(address);
    } catch (error) {
      const late = this.idle.findIndex((entry) => entry.address === address);
      if (error instanceof PortsExhaustedError && late >= 0) return this.takeIdle(late);
      throw error;
    }
  }

  /**
   * Takes back a socket from {@link bindSocket} for reuse: its 'message' and 'error'
   * listeners are removed, and whatever arrives until it is reused is dropped.
   */
  recycle(bound: BoundSocket, address: string): Promise<void> {
    const { socket } = bound;
    socket.removeAllListeners('message');
    socket.removeAllListeners('error');
    socket.on('error', ignoreIdleError);
    this.idle.push({ socket, port: bound.port, address, since: performance.now() });
    if (this.closed) return this.closeIdle(Infinity);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => void this.closeIdle(performance.now() - this.idleCloseMs), this.idleCloseMs);
      this.sweeper.unref();
    }
    return Promise.resolve();
  }

  /** Closes every idle socket, and from now on each one handed back (on shutdown). Sockets still with a call are the caller's. */
  close(): Promise<void> {
    this.closed = true;
    return this.closeIdle(Infinity);
  }

  private takeIdle(index: number): BoundSocket {
    const entry = index === 0 ? this.idle.shift()! : this.idle.splice(index, 1)[0];
    entry.socket.off('error', ignoreIdleError);
    if (this.idle.length === 0) this.stopSweeper();
    return { socket: entry.socket, port: entry.port };
  }

  /** Closes the idle sockets handed back before `before` and releases their ports. */
  private closeIdle(before: number): Promise<void> {
    let count = 0;
    while (count < this.idle.length && this.idle[count].since <= before) count += 1;
    if (count === 0) return Promise.resolve();
    const closing = this.idle.slice(0, count);
    this.idle = this.idle.slice(count);
    if (this.idle.length === 0) this.stopSweeper();
    return Promise.all(
      closing.map(
        ({ socket, port }) =>
          new Promise<void>((resolve) => {
            this.release(port);
            try {
              socket.close(() => resolve());
            } catch {
              resolve(); // already closed
            }
          }),
      ),
    ).then(() => undefined);
  }

  private stopSweeper(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private async bindFresh(address: string): Promise<BoundSocket> {
    // Ports another process holds stay taken until the search ends: the next random pick
    // must be another port, so that every free port is tried once.
    const held: number[] = [];
    try {
      for (;;) {
        const port = this.acquire();
        if (port === undefined) break;
        try {
          return { socket: await bindUdp(address, port), port };
        } catch (error) {
          held.push(port);
          if (!SKIPPABLE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
        }
      }
    } finally {
      for (const port of held) this.release(port);
    }
    throw new PortsExhaustedError(`no free RTP port in ${this.min}–${this.max} (${this.used.size} in use)`);
  }
}

function bindUdp(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: literalLookup });
    const onError = (error: Error) => {
      try {
        socket.close();
      } catch {
        // already closed by the failed bind
      }
      reject(error);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * RTP destinations are IP literals from SDP. dgram resolves every destination through
 * `dns.lookup`, which answers literals on the next tick: one deferral per packet, 50,000 a
 * second at 1,000 calls. This answers them synchronously (and refuses names, which SDP
 * `c=` lines for RTP do not carry here).
 */
export function literalLookup(
  hostname: string,
  _options: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family === 0) callback(Object.assign(new Error(`not an IP address: ${hostname}`), { code: 'EINVAL' }), '', 0);
  else callback(null, hostname, family);
}
