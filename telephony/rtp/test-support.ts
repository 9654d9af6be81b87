/**
 * Helpers for the RTP tests (not used by production code): a raw UDP peer that records
 * what it receives and sends hand-built packets, and a polling wait.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  parseRtpPacket,
  serializeRtpPacket,
  serializeTelephoneEvent,
  type RtpPacket,
  type RtpPacketInit,
} from './packet.js';

export class UdpPeer {
  readonly received: { packet: RtpPacket | undefined; raw: Buffer; from: RemoteInfo }[] = [];

  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (raw, from) => this.received.push({ packet: parseRtpPacket(raw), raw, from }));
  }

  static async open(): Promise<UdpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpPeer(socket, socket.address().port);
  }

  /** The RTP packets received, parsed. */
  get packets(): RtpPacket[] {
    return this.received.flatMap((entry) => (entry.packet ? [entry.packet] : []));
  }

  send(port: number, datagram: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }

  sendRtp(port: number, packet: RtpPacketInit): Promise<void> {
    return this.send(port, serializeRtpPacket(packet));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Polls `condition` every 5 ms; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
  what = 'condition',
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One RFC 4733 key press as a sender emits it: `updates` packets 50 ms of duration apart
 * (the first with the marker bit), then the end packet three times.
 */
export function keyPress(
  ssrc: number,
  event: number,
  timestamp: number,
  firstSeq: number,
  updates: number,
): RtpPacketInit[] {
  const packets: RtpPacketInit[] = [];
  for (let i = 1; i <= updates; i += 1) {
    packets.push({
      payloadType: 101,
      marker: i === 1,
      sequenceNumber: firstSeq + i - 1,
      timestamp,
      ssrc,
      payload: serializeTelephoneEvent({ event, end: false, volume: 10, duration: i * 400 }),
    });
  }
  for (let i = 0; i < 3; i += 1) {
    packets.push({
      payloadType: 101,
      sequenceNumber: firstSeq + updates + i,
      timestamp,
      ssrc,
      payload: serializeTelephoneEvent({ event, end: true, volume: 10, duration: (updates + 1) * 400 }),
    });
  }
  return packets;
}
