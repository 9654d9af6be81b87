/**
 * SIP over UDP (RFC 3261 §18) on one `dgram` socket per user agent. Requests go to the next
 * hop; responses to where the request's top Via says (`received`/`rport` first). "Connected"
 * means the socket is bound. A datagram carries exactly one message; CRLF keep-alives and
 * datagrams that are not SIP are ignored. Requests are retransmitted until answered
 * (timers A and E, which sip.js lacks: see udp-retransmitter.ts).
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Logger } from 'sip.js/lib/core/log/logger.js';
import { literalLookup } from '../rtp/port-pool.js';
import { responseDestination, type HostPort } from './addressing.js';
import { isUnspecified, routeSource } from './route-source.js';
import { SipTransportBase, type SipTransportOptions } from './transport-base.js';
import { UdpRetransmitter } from './udp-retransmitter.js';

/** Large enough for any SIP datagram; UDP's own limit is 65,507 bytes. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Trunks and Via/rport addresses are mostly IP literals: answer those at once, as the RTP
 * sockets do (dgram otherwise defers every datagram a tick through `dns.lookup`), and
 * resolve names through DNS as before.
 */
function sipLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (isIP(hostname)) literalLookup(hostname, options, callback);
  else dnsLookup(hostname, options, callback);
}

export class UdpTransport extends SipTransportBase {
  readonly protocol = 'UDP';
  private socket: Socket | undefined;
  private readonly retransmitter = new UdpRetransmitter((message) => {
    const to = this.options.nextHop;
    this.sendDatagram(message, to).then(
      () => this.options.onTrace?.('out', message, to),
      (err: unknown) => this.options.logger?.debug({ err }, 'SIP retransmission failed'),
    );
  });

  /** sip.js calls `new transportConstructor(logger, transportOptions)`. */
  constructor(_sipLogger: Logger, options: SipTransportOptions) {
    super(options);
  }

  /** With a wildcard bind: the address the kernel routes to the next hop from (see route-source.ts). */
  private routeHost: string | undefined;

  localAddress(): HostPort {
    const address = this.socket?.address();
    return {
      host: this.routeHost ?? address?.address ?? this.options.bindAddress,
      port: address?.port ?? this.options.bindPort,
    };
  }

  protected async open(): Promise<void> {
    const { bindAddress, publicAddress, nextHop } = this.options;
    if (isUnspecified(bindAddress) && !publicAddress) {
      this.routeHost = await routeSource(nextHop.host, nextHop.port, bindAddress.includes(':') ? 6 : 4);
    }
    await this.bind();
  }

  /** Binds `bindPort`, or the first port of `bindPorts` nobody else holds. */
  private async bind(): Promise<void> {
    const { bindPort, bindPorts } = this.options;
    if (!bindPorts) return this.bindTo(bindPort);
    for (let port = bindPorts.min; port <= bindPorts.max; port += 1) {
      try {
        return await this.bindTo(port);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    throw new Error(`no free UDP port for SIP in ${bindPorts.min}-${bindPorts.max} (SIP_PORT_MIN-SIP_PORT_MAX)`);
  }

  private bindTo(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({
        type: this.options.bindAddress.includes(':') ? 'udp6' : 'udp4',
        recvBufferSize: RECEIVE_BUFFER_BYTES,
        lookup: sipLookup,
      });
      const onError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind(port, this.options.bindAddress, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.lost(err));
        socket.on('message', (data, rinfo) => {
          if (data.length < 16 || data.every((b) => b === 0x0d || b === 0x0a)) return; // keep-alive / noise
          const message = data.toString('utf8');
          this.retransmitter.received(message);
          this.deliver(message, { host: rinfo.address, port: rinfo.port });
        });
        this.socket = socket;
        resolve();
      });
    });
  }

  protected close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.retransmitter.clear();
    return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
  }

  protected write(message: string): { to: HostPort; sent: Promise<void> } {
    if (!this.socket) throw new Error('UDP socket is closed');
    const isResponse = message.startsWith('SIP/2.0 ');
    const to = (isResponse ? responseDestination(message) : undefined) ?? this.options.nextHop;
    const sent = this.sendDatagram(message, to).then(() => this.retransmitter.sent(message));
    return { to, sent };
  }

  private sendDatagram(message: string, to: HostPort): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('UDP socket is closed'));
    return new Promise((resolve, reject) => {
      socket.send(Buffer.from(message, 'utf8'), to.port, to.host, (err) => (err ? reject(err) : resolve()));
    });
  }
}
