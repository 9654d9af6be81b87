/**
 * Audio as a pcap that sipp's `play_pcap_audio` replays: 8 kHz PCM → PCMA (payload type 8)
 * RTP packets of 20 ms in Ethernet/IPv4/UDP frames, one every 20 ms. sipp rewrites the
 * addresses and ports and keeps the packets' spacing, so the far end "speaks" the audio.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAlaw } from '../../telephony/media/g711.js';

const FRAME = 160;

function frame(seq: number, timestamp: number, payload: Uint8Array): Buffer {
  const rtp = Buffer.alloc(12 + payload.length);
  rtp[0] = 0x80;
  rtp[1] = 8; // PCMA
  rtp.writeUInt16BE(seq & 0xffff, 2);
  rtp.writeUInt32BE(timestamp >>> 0, 4);
  rtp.writeUInt32BE(0x5eed1234, 8);
  rtp.set(payload, 12);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(40002, 2);
  udp.writeUInt16BE(8 + rtp.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + rtp.length, 2);
  ip[8] = 64;
  ip[9] = 17; // UDP
  ip.set([127, 0, 0, 1], 12);
  ip.set([127, 0, 0, 1], 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  const ethernet = Buffer.alloc(14);
  ethernet.writeUInt16BE(0x0800, 12);
  return Buffer.concat([ethernet, ip, udp, rtp]);
}

/** Writes `pcm` (8 kHz mono) to `path` as a pcap of PCMA RTP, 20 ms a packet. */
export function writeRtpPcap(path: string, pcm: Int16Array): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  const records: Buffer[] = [header];
  const alaw = encodeAlaw(pcm);
  for (let n = 0; n * FRAME < alaw.length; n += 1) {
    const payload = new Uint8Array(FRAME).fill(0xd5); // A-law silence pads the last frame
    payload.set(alaw.subarray(n * FRAME, (n + 1) * FRAME));
    const packet = frame(n, n * FRAME, payload);
    const record = Buffer.alloc(16);
    const usec = n * 20_000;
    record.writeUInt32LE(1_700_000_000 + Math.floor(usec / 1e6), 0);
    record.writeUInt32LE(usec % 1e6, 4);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    records.push(record, packet);
  }
  writeFileSync(path, Buffer.concat(records));
}

/**
 * A sipp scenario in `dir` that answers like `test/sipp/uas-answer-play.xml` but plays `scene`
 * (8 kHz PCM) from the ACK on; returns its path, for `scenario`.
 */
export function answerAndPlayScenario(dir: string, scene: Int16Array): string {
  const name = randomUUID();
  const pcap = join(dir, `${name}.pcap`);
  writeRtpPcap(pcap, scene);
  const template = readFileSync(join(__dirname, '../sipp/uas-answer-play.xml'), 'utf8');
  const scenario = join(dir, `${name}.xml`);
  writeFileSync(scenario, template.replaceAll('/usr/share/sip-tester/g711a.pcap', pcap));
  return scenario;
}

/**
 * A sipp scenario in `dir` that answers like `test/sipp/uas-early-media.xml` (183 with SDP,
 * the gateway's `ringMs` of early media, 200 OK) and plays `scene` from the 183 on, across
 * the answer: a carrier that plays the voicemail greeting before answering. PCMA first in
 * both SDPs, as the pcap is PCMA. Returns its path, for `scenario`.
 */
export function earlyMediaAndPlayScenario(dir: string, scene: Int16Array): string {
  const name = randomUUID();
  const pcap = join(dir, `${name}.pcap`);
  writeRtpPcap(pcap, scene);
  const template = readFileSync(join(__dirname, '../sipp/uas-early-media.xml'), 'utf8');
  const marker = '  <!-- early media time: sipp -d <ms> -->';
  if (!template.includes(marker)) throw new Error('uas-early-media.xml no longer has its early media pause');
  const play = `  <nop>\n    <action>\n      <exec play_pcap_audio="${pcap}"/>\n    </action>\n  </nop>\n`;
  const scenario = join(dir, `${name}.xml`);
  writeFileSync(scenario, template.replaceAll('RTP/AVP 0 8 101', 'RTP/AVP 8 0 101').replace(marker, play + marker));
  return scenario;
}
