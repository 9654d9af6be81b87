/**
 * The RTP port range: hands out even ports (RTP convention, RFC 3550 §11; the odd port
 * above is left for RTCP, which we do not bind) and binds the call's UDP socket on one.
 *
 * Ports are taken round-robin rather than lowest-first, so a port just released is reused
 * as late as possible and stray packets of the previous call rarely reach the next one.
 * A port another process holds (EADDRINUSE, or EACCES) is skipped and tried again on a
 * later round; any other bind error (e.g. an address not on this host) is thrown at once.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';

export interface BoundSocket {
  readonly socket: Socket;
  readonly port: number;
}

/** Thrown when every even port of the range is in use. */
export class PortsExhaustedError extends Error {
  override readonly name = 'PortsExhaustedError';
}

const SKIPPABLE = new Set(['EADDRINUSE', 'EACCES']);

export class PortPool {
  private readonly ports: number[];
  private readonly used = new Set<number>();
  private cursor = 0;

  /** `min`–`max` inclusive; only the even ports in it are used. */
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
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

  /** Ports handed out and not yet released. */
  get inUse(): number {
    return this.used.size;
  }

  /** Reserves the next free port without binding; `undefined` when none is free. Pair with {@link release}. */
  acquire(): number | undefined {
    for (let i = 0; i < this.ports.length; i += 1) {
      const port = this.ports[this.cursor];
      this.cursor = (this.cursor + 1) % this.ports.length;
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    return undefined;
  }

  /** Returns a port to the pool (unknown or already released ports are ignored). */
  release(port: number): void {
    this.used.delete(port);
  }

  /**
   * A UDP socket bound to `address` on a free even port of the range (udp6 for an IPv6
   * address). Close the socket and {@link release} the port when done.
   */
  async bindSocket(address: string): Promise<BoundSocket> {
    const attempts = this.ports.length - this.used.size;
    for (let i = 0; i < attempts; i += 1) {
      const port = this.acquire();
      if (port === undefined) break;
      try {
        return { socket: await bindUdp(address, port), port };
      } catch (error) {
        this.release(port);
        if (!SKIPPABLE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
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
