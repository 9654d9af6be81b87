/**
 * The sip.js `Transport` state machine, shared by the UDP and TCP transports:
 *
 *   Disconnected ──connect()──▶ Connecting ──ok──▶ Connected ──disconnect()──▶ Disconnecting ─▶ Disconnected
 *        ▲                          │ fail                 │ network loss (error)                     │
 *        └──────────────────────────┴──────────────────────┴──────────────────────────────────────────┘
 *
 * Contract honoured (see sip.js `api/transport.d.ts`): starts Disconnected; `onConnect` on
 * every transition to Connected; `onDisconnect(error)` on every transition from Connected,
 * with an error unless the user asked for it; never reconnects by itself; callbacks are not
 * re-entered synchronously.
 */
import { EmitterImpl, TransportState, type Emitter, type Transport } from 'sip.js';
import type { Logger } from '../../lib/logger.js';
import { rewriteIncomingResponse, rewriteOutgoing, type HostPort } from './addressing.js';
import {
  inDialog,
  IntervalLog,
  OUT_OF_DIALOG_BURST,
  OUT_OF_DIALOG_PER_SECOND,
  RateLimit,
  requestDefect,
  requestMethod,
  SipGuardStats,
  stampVia,
  statelessAnswer,
} from './request-guard.js';

/** Dropped and unsolicited traffic is logged at most once per this interval, per transport and kind. */
export const GUARD_LOG_INTERVAL_MS = 10_000;

export interface SipTransportOptions {
  /** Where requests go: the trunk, or its outbound proxy. */
  readonly nextHop: HostPort;
  /** Local address to bind (UDP) or to connect from (TCP). */
  readonly bindAddress: string;
  /** Local port; 0 picks a free one. */
  readonly bindPort: number;
  /**
   * UDP only: take the first free port of this range instead of `bindPort` (a fixed range
   * can be opened in a firewall or forwarded through NAT). TCP connects from an ephemeral
   * port: the peer answers over the same connection.
   */
  readonly bindPorts?: { readonly min: number; readonly max: number };
  /** Address and port written into Via and Contact (NAT: the public ones); default: the bound ones. */
  readonly publicAddress?: string;
  readonly publicPort?: number;
  /** The user agent's `viaHost`, which the transport replaces by the real address. */
  readonly placeholder: string;
  readonly logger?: Logger;
  /** Sees every message as it crosses the wire (after rewriting outgoing, before rewriting incoming). */
  readonly onTrace?: (direction: 'in' | 'out', message: string, peer: HostPort) => void;
  /** The user parts (unescaped) our user agent answers to: its Contact and its address of record. Others get 404. */
  readonly users?: readonly string[];
  /** Counts what the transport drops or answers itself (see request-guard.ts); one per engine. Default: the transport's own. */
  readonly guardStats?: SipGuardStats;
}

export abstract class SipTransportBase implements Transport {
  abstract readonly protocol: string;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  /**
   * The last failure to send or the last loss of the connection. sip.js turns either into a
   * bare internal 503 without the cause; the trunk probe reports it from here.
   */
  lastError: Error | undefined;
  private _state: TransportState = TransportState.Disconnected;
  private self: HostPort | undefined;
  private readonly _stateChange = new EmitterImpl<TransportState>();
  readonly guardStats: SipGuardStats;
  private readonly outOfDialogLimit = new RateLimit(OUT_OF_DIALOG_BURST, OUT_OF_DIALOG_PER_SECOND);
  private readonly outOfDialogLog = new IntervalLog(GUARD_LOG_INTERVAL_MS);
  protected readonly foreignLog = new IntervalLog(GUARD_LOG_INTERVAL_MS);

  protected constructor(protected readonly options: SipTransportOptions) {
    this.guardStats = options.guardStats ?? new SipGuardStats();
  }

  get state(): TransportState {
    return this._state;
  }

  get stateChange(): Emitter<TransportState> {
    return this._stateChange;
  }

  isConnected(): boolean {
    return this._state === TransportState.Connected;
  }

  /** The address and port peers should use to reach us, once connected. */
  abstract localAddress(): HostPort;
  /** The IP addresses our peer (the next hop) sends from, as far as known: RTP from them may be learned as NAT (rtp-session.ts). */
  abstract peerAddresses(): string[];
  protected abstract open(): Promise<void>;
  protected abstract close(): Promise<void>;
  /**
   * Hands a rewritten message to the socket: returns at once the peer it goes to, and
   * `sent`, which settles when the socket has taken it (or failed to). Throws when there is
   * no socket to send on.
   */
  protected abstract write(message: string): { readonly to: HostPort; readonly sent: Promise<void> };

  async connect(): Promise<void> {
    if (this._state === TransportState.Connected || this._state === TransportState.Connecting) return;
    this.transition(TransportState.Connecting);
    try {
      await this.open();
    } catch (err) {
      this.transition(TransportState.Disconnected, asError(err));
      throw asError(err);
    }
    if (this.state !== TransportState.Connecting) {
      // disconnect() came while we were connecting (e.g. a probe gave up): do not come back to life.
      await this.close().catch(() => undefined);
      throw new Error('SIP transport was disconnected while connecting');
    }
    this.transition(TransportState.Connected);
  }

  async disconnect(): Promise<void> {
    if (this._state === TransportState.Disconnected || this._state === TransportState.Disconnecting) return;
    this.transition(TransportState.Disconnecting);
    await this.close().catch(() => undefined);
    this.transition(TransportState.Disconnected);
  }

  async dispose(): Promise<void> {
    await this.disconnect();
    this._stateChange.removeAllListeners();
  }

  async send(message: string): Promise<void> {
    if (this._state !== TransportState.Connected) throw new Error(`SIP transport is ${this._state}, cannot send`);
    const out = rewriteOutgoing(message, this.options.placeholder, this.advertisedAddress());
    try {
      const { to, sent } = this.write(out);
      this.options.onTrace?.('out', out, to); // in the order messages go out, before any answer to them
      await sent;
    } catch (err) {
      this.lastError = asError(err);
      throw err;
    }
  }

  /**
   * Called by subclasses for every complete message received from the peer. Requests get
   * `from` stamped into their top Via; out-of-dialog ones are answered (or dropped) here
   * and never reach sip.js (see request-guard.ts). Never throws.
   */
  protected deliver(message: string, from: HostPort): void {
    if (this._state !== TransportState.Connected) return;
    this.options.onTrace?.('in', message, from);
    let incoming = message;
    const method = requestMethod(message);
    if (method !== undefined) {
      const defect = requestDefect(message, method);
      const stamped = stampVia(message, from);
      if (defect || stamped === undefined || !inDialog(stamped)) {
        this.answerOutOfDialog(stamped, method, from, defect);
        return;
      }
      incoming = stamped;
    }
    try {
      this.onMessage?.(rewriteIncomingResponse(incoming, this.options.placeholder, this.advertisedAddress()));
    } catch (err) {
      this.options.logger?.warn({ err, from }, 'dropped a SIP message the stack could not handle');
    }
  }

  /** A request outside any dialog of ours, or a malformed one (`defect`): a stateless answer within the rate limit, else nothing. */
  private answerOutOfDialog(
    request: string | undefined,
    method: string,
    from: HostPort,
    defect?: readonly [number, string],
  ): void {
    const answer =
      request !== undefined && this.outOfDialogLimit.take()
        ? statelessAnswer(request, method, this.options.users, defect)
        : undefined;
    if (answer === undefined) this.guardStats.outOfDialogDropped += 1;
    else this.guardStats.outOfDialogAnswered += 1;
    if (defect || (method !== 'OPTIONS' && method !== 'ACK')) {
      this.outOfDialogLog.note((suppressed) =>
        this.options.logger?.warn(
          { from, method, answered: answer !== undefined, ...(defect ? { defect: defect[1] } : {}), suppressed },
          'unsolicited SIP request outside a dialog: answered without state, or dropped (no inbound calls)',
        ),
      );
    }
    if (answer === undefined) return;
    try {
      const { to, sent } = this.write(answer);
      this.options.onTrace?.('out', answer, to);
      sent.catch((err: unknown) => this.options.logger?.debug({ err }, 'stateless SIP answer not sent'));
    } catch (err) {
      this.options.logger?.debug({ err }, 'stateless SIP answer not sent');
    }
  }

  /** The address and port we write into Via and Contact; fixed while a connection lasts, so looked up once per connection. */
  advertisedAddress(): HostPort {
    if (!this.self) {
      const self = this.localAddress();
      this.self = { host: this.options.publicAddress ?? self.host, port: this.options.publicPort ?? self.port };
    }
    return this.self;
  }

  /** Called by subclasses when the network went away underneath us. */
  protected lost(error: Error): void {
    if (this._state === TransportState.Disconnected || this._state === TransportState.Disconnecting) return;
    this.lastError = error;
    this.options.logger?.warn({ error: error.message }, 'SIP transport lost');
    this.transition(TransportState.Disconnected, error);
  }

  private transition(next: TransportState, error?: Error): void {
    const previous = this._state;
    if (previous === next) return;
    this._state = next;
    if (next !== TransportState.Connected) this.self = undefined; // a new connection may have a new local port
    this._stateChange.emit(next);
    if (next === TransportState.Connected) this.onConnect?.();
    if (previous === TransportState.Connected) this.onDisconnect?.(error);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
