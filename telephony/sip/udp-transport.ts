/**
 * SIP over UDP (RFC 3261 §18) on one `dgram` socket per user agent. Requests go to the next
 * hop; responses to where the request's top Via says (`received`/`rport` first), which for
 * requests we receive is always the packet's source (see request-guard.ts). "Connected"
 * means the socket is bound. A datagram carries exactly one message; CRLF keep-alives and
 * datagrams that are not SIP are ignored. Requests are retransmitted until answered
 * (timers A and E, which sip.js lacks: see udp-retransmitter.ts).
 *
 * Only the peer is heard (review F3): a datagram whose source address is not one the next
 * hop (the trunk, or its outbound proxy) resolves to is dropped before anything reads it,
 * counted in `guardStats.foreignDropped` and logged at most once per interval. A response
 * must also come from the next hop's port: our Via asks for `rport`, and RFC 3581 §4 then
 * has the server answer from the port the request went to (so a forged response from
 * another port of a shared host is dropped too). Requests (BYE, re-INVITE) may come from
 * any port of the address: SBCs and proxies send them from other sockets (the practice of
 * Asterisk's `identify` and Kamailio's `permissions`).
 * The addresses are those the name resolved to when the transport connected, plus every
 * address a send to the next hop was since resolved to (DNS may move the trunk).
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { lookup as dnsLookupAll } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from 'sip.js/lib/core/log/logger.js';
import { literalLookup } from '../rtp/port-pool.js';
import { responseDestination, type HostPort } from './addressing.js';
import { isUnspecified, routeSource } from './route-source.js';
import { SipTransportBase, type SipTransportOptions } from './transport-base.js';
import { UdpRetransmitter } from './udp-retransmitter.js';

/** Large enough for any SIP datagram; UDP's own limit is 65,507 bytes. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** At most this many trusted peer addresses per transport (a name with many A records, DNS changes). */
const MAX_TRUSTED_ADDRESSES = 32;

/** `::ffff:192.0.2.1` (an IPv4 peer on a udp6 socket) as `192.0.2.1`; other addresses lower-cased. */
function normalAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

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
  /** Source addresses we accept datagrams from: the next hop's (see the module notes). Insertion order = age. */
  private readonly trusted = new Set<string>();

  peerAddresses(): string[] {
    return [...this.trusted];
  }

  /** Whether datagrams from `address` are heard. */
  trusts(address: string): boolean {
    return this.trusted.has(normalAddress(address));
  }

  private trust(address: string): void {
    const normal = normalAddress(address);
    if (this.trusted.has(normal)) return;
    if (this.trusted.size >= MAX_TRUSTED_ADDRESSES) this.trusted.delete(this.trusted.values().next().value!);
    this.trusted.add(normal);
  }

  /** Resolves the next hop like a send does, and trusts each address; a send to the next hop later trusts what it resolves to. */
  private async trustNextHop(): Promise<void> {
    const { host } = this.options.nextHop;
    if (isIP(host)) return this.trust(host);
    try {
      for (const { address } of await dnsLookupAll(host, { all: true })) this.trust(address);
    } catch (err) {
      // The first send fails the same way and reports it; until a name resolves, nothing is heard.
      this.options.logger?.debug({ err, host }, 'SIP next hop does not resolve (yet)');
    }
  }

  /** dgram's lookup for this socket: {@link sipLookup}, trusting what the next hop's name resolves to. */
  private readonly lookup = (
    hostname: string,
    options: LookupOneOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void =>
    sipLookup(hostname, options, (err, address, family) => {
      if (!err && hostname === this.options.nextHop.host) this.trust(address);
      callback(err, address, family);
    });

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
    await this.trustNextHop();
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
        lookup: this.lookup,
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
          const isResponse = data.subarray(0, 8).toString('latin1') === 'SIP/2.0 ';
          if (!this.trusts(rinfo.address) || (isResponse && rinfo.port !== this.options.nextHop.port)) {
            this.dropForeign(rinfo.address, rinfo.port);
            return;
          }
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

  private dropForeign(host: string, port: number): void {
    this.guardStats.foreignDropped += 1;
    this.foreignLog.note((suppressed) =>
      this.options.logger?.warn(
        { from: { host, port }, nextHop: this.options.nextHop, suppressed },
        'dropped a SIP datagram from a source that is not the trunk',
      ),
    );
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
