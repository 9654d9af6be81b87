/**
 * SIP over TCP (RFC 3261 §18.3): one connection to the next hop per user agent, messages
 * framed by Content-Length, responses to the far end's requests on the same connection.
 * "Connected" means the TCP connection is up; when it closes, the transport goes
 * Disconnected with an error and does not reconnect by itself (the user agent decides).
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Logger } from 'sip.js/lib/core/log/logger.js';
import type { HostPort } from './addressing.js';
import { StreamFramer } from './stream-framer.js';
import { SipTransportBase, type SipTransportOptions } from './transport-base.js';

const CONNECT_TIMEOUT_MS = 5000;

export class TcpTransport extends SipTransportBase {
  readonly protocol = 'TCP';
  private socket: Socket | undefined;

  constructor(_sipLogger: Logger, options: SipTransportOptions) {
    super(options);
  }

  localAddress(): HostPort {
    return {
      host: this.socket?.localAddress ?? this.options.bindAddress,
      port: this.socket?.localPort ?? this.options.bindPort,
    };
  }

  peerAddresses(): string[] {
    return this.socket?.remoteAddress ? [this.socket.remoteAddress] : [];
  }

  protected open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const { nextHop, bindAddress, bindPort } = this.options;
      const socket = tcpConnect({
        host: nextHop.host,
        port: nextHop.port,
        localAddress: bindAddress,
        ...(bindPort ? { localPort: bindPort } : {}),
        noDelay: true,
        keepAlive: true,
      });
      const timer = setTimeout(
        () => socket.destroy(new Error(`TCP connect to ${nextHop.host}:${nextHop.port} timed out`)),
        CONNECT_TIMEOUT_MS,
      );
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
          // TCP simultaneous open with ourselves: nothing listens on a local port in the
          // ephemeral range and the kernel picked that very port as our source. We would
          // be talking to ourselves (sip.js answers its own OPTIONS with 482 Loop Detected).
          socket.destroy();
          reject(
            new Error(`connect ECONNREFUSED ${nextHop.host}:${nextHop.port} (the connection came back to itself)`),
          );
          return;
        }
        socket.removeAllListeners('error');
        this.socket = socket;
        this.attach(socket);
        resolve();
      });
    });
  }

  private attach(socket: Socket): void {
    const framer = new StreamFramer();
    const peer = {
      host: socket.remoteAddress ?? this.options.nextHop.host,
      port: socket.remotePort ?? this.options.nextHop.port,
    };
    socket.on('data', (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        if (event.kind === 'message') this.deliver(event.text, peer);
        else if (event.kind === 'ping') socket.write('\r\n');
        else {
          this.options.logger?.warn({ reason: event.reason, peer }, 'SIP stream framing error, closing the connection');
          socket.destroy(new Error(`SIP framing error: ${event.reason}`));
        }
      }
    });
    socket.on('error', () => undefined); // 'close' follows and reports
    socket.on('close', (hadError) => {
      if (this.socket === socket) this.socket = undefined;
      this.lost(new Error(hadError ? 'TCP connection failed' : 'TCP connection closed by the peer'));
    });
  }

  protected close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  protected write(message: string): { to: HostPort; sent: Promise<void> } {
    const socket = this.socket;
    if (!socket) throw new Error('TCP connection is closed');
    const to = {
      host: socket.remoteAddress ?? this.options.nextHop.host,
      port: socket.remotePort ?? this.options.nextHop.port,
    };
    const sent = new Promise<void>((resolve, reject) =>
      socket.write(message, 'utf8', (err) => (err ? reject(err) : resolve())),
    );
    return { to, sent };
  }
}
