/**
 * Request retransmission over UDP (RFC 3261 §17.1.1.2 timer A, §17.1.2.2 timer E), which
 * sip.js 0.21 does not implement (it was written for WebSocket, a reliable transport: its
 * client transactions carry "FIXME: Timer A/E not implemented"). Without it a single lost
 * INVITE, CANCEL, BYE or REGISTER on a UDP trunk is never sent again. The UDP transport
 * feeds every message it sends and receives through this class:
 *
 * - every request except ACK is resent, byte for byte, after T1, then at doubling intervals;
 * - INVITE: until any response to it arrives (a provisional one means the far end has it);
 * - other methods: intervals capped at T2; a provisional response switches to T2; a final
 *   response stops them;
 * - always: no more after 64 × T1 (timer B/F: the transaction has failed by then anyway).
 *
 * Requests and responses are matched by the top Via's branch and the CSeq method (a CANCEL
 * shares its INVITE's branch). Messages without a branch or CSeq are left alone.
 */

export interface RetransmitTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RetransmitOptions {
  /** RTT estimate, default 500 ms. */
  readonly t1?: number;
  /** Longest interval for non-INVITE requests, default 4 s. */
  readonly t2?: number;
  readonly timers?: RetransmitTimers;
}

interface Pending {
  readonly message: string;
  readonly invite: boolean;
  interval: number;
  handle: unknown;
  elapsed: number;
}

const realTimers: RetransmitTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class UdpRetransmitter {
  private readonly pending = new Map<string, Pending>();
  private readonly t1: number;
  private readonly t2: number;
  private readonly timers: RetransmitTimers;

  constructor(
    private readonly resend: (message: string) => void,
    options: RetransmitOptions = {},
  ) {
    this.t1 = options.t1 ?? 500;
    this.t2 = options.t2 ?? 4000;
    this.timers = options.timers ?? realTimers;
  }

  /** Requests waiting for a response. */
  get size(): number {
    return this.pending.size;
  }

  /** A message we sent. A request (not ACK) is retransmitted until answered. */
  sent(message: string): void {
    if (message.startsWith('SIP/2.0 ')) return;
    const method = message.slice(0, message.indexOf(' '));
    if (method === 'ACK') return;
    const key = transactionKey(message);
    if (!key || this.pending.has(key)) return;
    const entry: Pending = {
      message,
      invite: method === 'INVITE',
      interval: this.t1,
      handle: undefined,
      elapsed: 0,
    };
    this.pending.set(key, entry);
    this.schedule(key, entry);
  }

  /** A message we received. A response stops (or, provisional to non-INVITE, slows) its request's retransmissions. */
  received(message: string): void {
    if (!message.startsWith('SIP/2.0 ') || this.pending.size === 0) return;
    const key = transactionKey(message);
    const entry = key ? this.pending.get(key) : undefined;
    if (!key || !entry) return;
    const status = Number(message.slice(8, 11));
    if (entry.invite || status >= 200) {
      this.stop(key, entry);
      return;
    }
    entry.interval = this.t2; // non-INVITE, provisional: keep going at T2
  }

  /** Stops everything (the transport closed). */
  clear(): void {
    for (const [key, entry] of this.pending) this.stop(key, entry);
  }

  private schedule(key: string, entry: Pending): void {
    const wait = Math.min(entry.interval, 64 * this.t1 - entry.elapsed);
    if (wait <= 0) {
      this.pending.delete(key);
      return;
    }
    entry.handle = this.timers.setTimeout(() => {
      if (this.pending.get(key) !== entry) return;
      entry.elapsed += wait;
      if (entry.elapsed >= 64 * this.t1) {
        this.pending.delete(key);
        return;
      }
      this.resend(entry.message);
      entry.interval = entry.invite ? entry.interval * 2 : Math.min(entry.interval * 2, this.t2);
      this.schedule(key, entry);
    }, wait);
  }

  private stop(key: string, entry: Pending): void {
    this.timers.clearTimeout(entry.handle);
    this.pending.delete(key);
  }
}

/** `<branch> <CSeq method>` of a request or response, from the top Via and the CSeq header. */
export function transactionKey(message: string): string | undefined {
  const headEnd = message.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? message : message.slice(0, headEnd);
  const via = /\r\n(?:via|v)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head)?.[1];
  const branch = via ? /;[ \t]*branch[ \t]*=[ \t]*([^;,\s]+)/i.exec(via)?.[1] : undefined;
  const method = /\r\ncseq[ \t]*:[ \t]*\d+[ \t]+([A-Za-z]+)/i.exec(head)?.[1];
  return branch && method ? `${branch} ${method.toUpperCase()}` : undefined;
}
