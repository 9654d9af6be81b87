/**
 * A far end's media in the test itself, for a sipp gateway whose SDP names it
 * ({@link peerScenario}): it speaks a scene as PCMA RTP (20 ms a packet, on a clock that
 * catches up after a busy event loop rather than drifting), and records every RTP packet it
 * receives with its arrival time — a recording peer, so a test can check what reached the
 * callee, when, and whether whole.
 */
import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAlaw, decodeUlaw, encodeAlaw } from '../../telephony/media/g711.js';
import { parseRtpPacket, writeRtpHeader, RTP_HEADER_SIZE } from '../../telephony/rtp/packet.js';

const FRAME = 160;

export interface ReceivedRtp {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly payload: Buffer;
  /** `performance.now()` at arrival. */
  readonly at: number;
}

export class RtpPeer {
  readonly received: ReceivedRtp[] = [];
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (message) => {
      const packet = parseRtpPacket(message);
      if (!packet) return;
      this.received.push({
        sequenceNumber: packet.sequenceNumber,
        timestamp: packet.timestamp,
        payloadType: packet.payloadType,
        marker: packet.marker,
        payload: Buffer.from(packet.payload),
        at: performance.now(),
      });
    });
  }

  static async open(): Promise<RtpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new RtpPeer(socket, socket.address().port);
  }

  /** Starts speaking `pcm` to `to`; returns `performance.now()` at its first sample. */
  speak(pcm: Int16Array, to: { readonly address: string; readonly port: number }): number {
    const alaw = encodeAlaw(pcm);
    const frames = Math.ceil(alaw.length / FRAME);
    const start = performance.now();
    let sent = 0;
    const send = (): void => {
      const due = Math.min(frames, Math.floor((performance.now() - start) / 20) + 1);
      for (; sent < due; sent += 1) {
        const packet = Buffer.alloc(RTP_HEADER_SIZE + FRAME, 0xd5);
        writeRtpHeader(packet, {
          marker: sent === 0,
          payloadType: 8,
          sequenceNumber: sent & 0xffff,
          timestamp: sent * FRAME,
          ssrc: 0x7e57ca11,
        });
        packet.set(alaw.subarray(sent * FRAME, (sent + 1) * FRAME), RTP_HEADER_SIZE);
        this.socket.send(packet, to.port, to.address);
      }
      if (sent < frames) this.timer = setTimeout(send, Math.max(1, start + sent * 20 - performance.now()));
    };
    send();
    return start;
  }

  /** The packets received in sequence order (from the first one's number on, across a wrap). */
  inOrder(): ReceivedRtp[] {
    const first = this.received[0]?.sequenceNumber ?? 0;
    const rank = (p: ReceivedRtp): number => (p.sequenceNumber - first) & 0xffff;
    return [...this.received].sort((a, b) => rank(a) - rank(b));
  }

  /** The audio received, decoded, in sequence order (PCMA or PCMU by payload type). */
  audio(): Int16Array {
    const packets = this.inOrder();
    const parts = packets.map((p) => (p.payloadType === 0 ? decodeUlaw(p.payload) : decodeAlaw(p.payload)));
    const out = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  close(): void {
    clearTimeout(this.timer);
    this.socket.close();
  }
}

/**
 * A sipp scenario in `dir` that answers like `test/sipp/uas-answer-play.xml` but plays
 * nothing itself: its SDP names `peer`'s port, where the test speaks and records. Returns
 * its path, for `scenario`.
 */
export function peerScenario(dir: string, peer: RtpPeer): string {
  const template = readFileSync(join(__dirname, '../sipp/uas-answer-play.xml'), 'utf8');
  const play = /\s*<nop>\s*<action>\s*<exec play_pcap_audio="[^"]+"\/>\s*<\/action>\s*<\/nop>/;
  if (!play.test(template) || !template.includes('m=audio [media_port]'))
    throw new Error('uas-answer-play.xml no longer plays a pcap on an m=audio [media_port] line');
  const scenario = join(dir, `${randomUUID()}.xml`);
  writeFileSync(scenario, template.replace(play, '').replaceAll('m=audio [media_port]', `m=audio ${peer.port}`));
  return scenario;
}

/** Where the caller receives RTP: the `c=` address and `m=audio` port of an SDP body. */
export function sdpMedia(sdp: string): { address: string; port: number } {
  const address = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1];
  const port = /^m=audio (\d+)/m.exec(sdp)?.[1];
  if (!address || !port) throw new Error(`no media address in SDP:\n${sdp}`);
  return { address, port: Number(port) };
}
