import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../media/g711.js';
import type { RtpPacketInit } from './packet.js';
import { Pacer } from './pacer.js';
import { PortPool } from './port-pool.js';
import { serializeTelephoneEvent } from './packet.js';
import {
  DTMF_BURST,
  DTMF_PER_SECOND,
  MAX_DTMF_DIGITS,
  NAT_LEARNING_WINDOW_MS,
  RtpSession,
  type DtmfDigit,
  type RtpRemote,
} from './rtp-session.js';
import { keyPress, sleep, UdpPeer, waitFor } from './test-support.js';

const LOCAL = '127.0.0.1';
const SSRC = 0x5eed0001;

let pacer: Pacer;
let pool: PortPool;
let far: UdpPeer;
let rtp: RtpSession;

beforeEach(async () => {
  pacer = new Pacer();
  pool = new PortPool(34000, 34999);
  far = await UdpPeer.open();
  rtp = await RtpSession.open({ localAddress: LOCAL, ports: pool, pacer });
});

afterEach(async () => {
  await rtp.close();
  await far.close();
  expect(pool.inUse).toBe(0);
  await pool.close();
  expect(pacer.subscribers).toBe(0);
});

const remote = (port: number, extra: Partial<RtpRemote> = {}): RtpRemote => ({
  address: LOCAL,
  port,
  codec: 'PCMU',
  payloadType: 0,
  telephoneEventPayloadType: 101,
  ...extra,
});

/** Audio packet `i` of a stream: 160 samples of the constant `level(i)`, so each frame is recognisable. */
const level = (i: number) => (i + 1) * 500;
function audio(i: number, extra: Partial<RtpPacketInit> = {}): RtpPacketInit {
  return {
    payloadType: 0,
    sequenceNumber: (65530 + i) & 0xffff, // wraps during the stream
    timestamp: (2 ** 32 - 800 + i * 160) >>> 0, // wraps too
    ssrc: SSRC,
    marker: i === 0,
    payload: encodeUlaw(new Int16Array(160).fill(level(i))),
    ...extra,
  };
}
const decodedLevel = (i: number) => decodeUlaw(encodeUlaw(Int16Array.of(level(i))))[0];

/** The constant level of each 160-sample block of `pcm` (or 'mixed'). */
function blocks(pcm: Int16Array): (number | 'mixed')[] {
  const out: (number | 'mixed')[] = [];
  for (let start = 0; start < pcm.length; start += 160) {
    const block = pcm.subarray(start, start + 160);
    out.push(block.every((x) => x === block[0]) ? block[0] : 'mixed');
  }
  return out;
}

describe('RtpSession receiving audio', () => {
  it('orders reordered packets and fills a loss with silence of the right length', async () => {
    rtp.setRemote(remote(far.port));
    rtp.startRecording();
    // 0…9, with 5 and 6 lost, 0/1 and 2/3 swapped; sequence numbers and timestamps wrap on the way.
    for (const i of [1, 0, 3, 2, 4, 7, 8, 9]) await far.sendRtp(rtp.localPort, audio(i));
    await waitFor(() => rtp.stats().packetsReceived === 8, 1000, '8 packets');

    const recording = rtp.recording();
    expect(recording.length).toBe(10 * 160);
    expect(blocks(recording)).toEqual([0, 1, 2, 3, 4].map(decodedLevel).concat([0, 0], [7, 8, 9].map(decodedLevel)));
    expect(rtp.stats()).toMatchObject({ packetsReceived: 8, packetsLost: 2 });
  });

  it('records only from startRecording() on, and keeps silence-suppressed pauses', async () => {
    rtp.setRemote(remote(far.port));
    await far.sendRtp(rtp.localPort, audio(0));
    await waitFor(() => rtp.stats().packetsReceived === 1);
    rtp.startRecording();
    await far.sendRtp(rtp.localPort, audio(1));
    await sleep(100);
    // After 100 ms of silence (no packets), the timestamp jumps 800 samples; marker set.
    await far.sendRtp(rtp.localPort, audio(2, { timestamp: (audio(1).timestamp + 960) >>> 0, marker: true }));
    await waitFor(() => rtp.stats().packetsReceived === 3);
    expect(blocks(rtp.recording())).toEqual([decodedLevel(1), 0, 0, 0, 0, 0, decodedLevel(2)]);
  });

  it('decodes PCMA when the payload type says so, whatever was negotiated', async () => {
    rtp.setRemote(remote(far.port));
    rtp.startRecording();
    const pcm = Int16Array.from({ length: 160 }, (_, i) => (i - 80) * 300);
    await far.sendRtp(rtp.localPort, {
      payloadType: 8,
      sequenceNumber: 1,
      timestamp: 0,
      ssrc: SSRC,
      payload: encodeAlaw(pcm),
    });
    await far.sendRtp(rtp.localPort, {
      payloadType: 0,
      sequenceNumber: 2,
      timestamp: 160,
      ssrc: SSRC,
      payload: encodeUlaw(pcm),
    });
    await waitFor(() => rtp.stats().packetsReceived === 2);
    const recording = rtp.recording();
    expect(recording.subarray(0, 160)).toEqual(decodeAlaw(encodeAlaw(pcm)));
    expect(recording.subarray(160)).toEqual(decodeUlaw(encodeUlaw(pcm)));
  });

  it('ignores garbage, foreign payload types and packets before setRemote() without crashing', async () => {
    await far.sendRtp(rtp.localPort, audio(0)); // before setRemote()
    await sleep(20);
    rtp.setRemote(remote(far.port));
    rtp.startRecording();
    const valid = audio(1);
    const garbage: Uint8Array[] = [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.alloc(11, 0x80),
      Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff]), // version 1
      Buffer.from([0x8f, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]), // 15 CSRCs missing
      Buffer.from([0x81, 0xc8, 0, 6, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]), // RTCP SR (PT 72 as RTP)
      Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 200]), // padding longer than the packet
    ];
    for (const datagram of garbage) await far.send(rtp.localPort, datagram);
    await far.sendRtp(rtp.localPort, { ...valid, payloadType: 96 }); // not negotiated
    await far.sendRtp(rtp.localPort, { ...valid, payloadType: 13 }); // comfort noise: not ours either
    for (let i = 0; i < 200; i += 1) {
      const noise = Buffer.from(Array.from({ length: i % 50 }, (_, j) => (i * 31 + j * 7) & 0xff));
      if (noise.length > 1) noise[1] = 0x7f; // payload type 127: never a valid packet of ours, even when it parses
      await far.send(rtp.localPort, noise);
    }
    await far.sendRtp(rtp.localPort, valid);
    await waitFor(() => rtp.stats().packetsReceived === 1, 1000, 'the valid packet');
    expect(rtp.ignored).toBe(1 + garbage.length + 2 + 200);
    expect(rtp.recording().length).toBe(160);
  });
});

describe('RtpSession: whom it hears (F5)', () => {
  it('hears only the SDP address and port: a packet from another port of the same address first takes nothing over', async () => {
    const stranger = await UdpPeer.open(); // 127.0.0.1 too, another port
    try {
      rtp.setRemote(remote(far.port)); // no signalling addresses: the SDP is all we know
      const digits: DtmfDigit[] = [];
      rtp.onDtmf = (digit) => digits.push(digit);
      await stranger.sendRtp(rtp.localPort, audio(0, { ssrc: 0xbad }));
      for (const packet of keyPress(0xbad, 1, 8000, 500, 2)) await stranger.sendRtp(rtp.localPort, packet);
      await waitFor(() => rtp.ignored === 6, 1000, "the stranger's 6 packets ignored");
      expect(rtp.destination).toEqual({ address: LOCAL, port: far.port });

      await far.sendRtp(rtp.localPort, audio(1));
      await waitFor(() => rtp.stats().packetsReceived === 1, 1000, "the far end's packet");
      expect(rtp.destination).toEqual({ address: LOCAL, port: far.port });
      await rtp.close(); // would flush a half-received key press
      expect(digits).toEqual([]);
      expect(rtp.dtmf).toEqual([]);
      expect(rtp.ignored).toBe(6);
    } finally {
      await stranger.close();
    }
  });

  it('learns a far end behind NAT from the signalling address, locks its SSRC, and ignores other sources afterwards', async () => {
    const sdpSink = await UdpPeer.open();
    const stranger = await UdpPeer.open();
    try {
      // The SDP names `sdpSink`; the peer really sends from `far`, on the address its SIP comes from.
      rtp.setRemote(remote(sdpSink.port, { peerAddresses: [LOCAL] }));
      const playing = rtp.play(new Int16Array(160 * 15));
      await waitFor(() => sdpSink.packets.length >= 2, 1000, 'packets to the SDP address');
      await far.sendRtp(rtp.localPort, audio(0));
      await playing;
      await waitFor(() => sdpSink.packets.length + far.packets.length === 15, 1000, 'all 15 packets');
      expect(far.packets.length).toBeGreaterThan(5);
      expect(rtp.destination).toEqual({ address: LOCAL, port: far.port });

      // Someone else cannot take the stream over, nor can the latched source with another SSRC.
      const ignoredBefore = rtp.ignored;
      await stranger.sendRtp(rtp.localPort, audio(1));
      await far.sendRtp(rtp.localPort, audio(2, { ssrc: SSRC + 1 }));
      await waitFor(() => rtp.ignored === ignoredBefore + 2, 1000, 'the stranger and the foreign SSRC ignored');
      expect(rtp.destination).toEqual({ address: LOCAL, port: far.port });
      expect(rtp.stats().packetsReceived).toBe(1);

      // A re-INVITE to a new address forgets the latch.
      rtp.setRemote(remote(stranger.port, { peerAddresses: [LOCAL] }));
      expect(rtp.destination).toEqual({ address: LOCAL, port: stranger.port });
    } finally {
      await sdpSink.close();
      await stranger.close();
    }
  });

  it('learns nothing once the SDP address and port have been heard, or after the learning window', async () => {
    const other = await UdpPeer.open();
    try {
      rtp.setRemote(remote(far.port, { peerAddresses: [LOCAL] }));
      await far.sendRtp(rtp.localPort, audio(0));
      await other.sendRtp(rtp.localPort, audio(1, { ssrc: 0xbad }));
      await waitFor(() => rtp.stats().packetsReceived === 1 && rtp.ignored === 1, 1000, 'one heard, one ignored');
      expect(rtp.destination).toEqual({ address: LOCAL, port: far.port });

      const late = await UdpPeer.open();
      try {
        rtp.setRemote(remote(late.port + 1, { peerAddresses: [LOCAL] })); // moved: a new window
        await sleep(NAT_LEARNING_WINDOW_MS + 100);
        await late.sendRtp(rtp.localPort, audio(2, { ssrc: 0xbad }));
        await waitFor(() => rtp.ignored === 2, 1000, 'the late packet ignored');
        expect(rtp.destination).toEqual({ address: LOCAL, port: late.port + 1 });
      } finally {
        await late.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe('RtpSession RFC 4733 DTMF', () => {
  it('reports each key press once, with its duration, despite the redundant end packets', async () => {
    rtp.setRemote(remote(far.port));
    const reported: DtmfDigit[] = [];
    rtp.onDtmf = (digit) => reported.push(digit);
    const five = keyPress(SSRC, 5, 8000, 100, 3); // 4 × 400 = 1600 units = 200 ms
    const hash = keyPress(SSRC, 11, 8000 + 4000, 106, 1); // 800 units = 100 ms
    for (const packet of five) await far.sendRtp(rtp.localPort, packet);
    // `atMs` is when a press's first packet is read: the '#' goes out 30 ms after the '5' was
    // read, not just sent (a busy event loop may read both in one turn).
    await waitFor(() => rtp.stats().packetsReceived === five.length, 1000, 'the 5 read');
    await sleep(30);
    for (const packet of hash) await far.sendRtp(rtp.localPort, packet);
    await far.sendRtp(rtp.localPort, five[5]); // a very late duplicate end packet of the '5'
    await far.sendRtp(rtp.localPort, { ...five[1], sequenceNumber: 99 }); // and a stale update
    await waitFor(() => rtp.stats().packetsReceived === five.length + hash.length + 2, 1000, 'all DTMF packets');

    expect(rtp.dtmf.map(({ digit, durationMs, source }) => ({ digit, durationMs, source }))).toEqual([
      { digit: '5', durationMs: 200, source: 'rfc4733' },
      { digit: '#', durationMs: 100, source: 'rfc4733' },
    ]);
    expect(reported).toEqual(rtp.dtmf);
    const [first, second] = rtp.dtmf;
    expect(first.atMs).toBeGreaterThanOrEqual(0);
    expect(second.atMs - first.atMs).toBeGreaterThanOrEqual(25);
    expect(rtp.stats().packetsLost).toBe(0);
  });

  it('still reports a key press whose end packets were all lost, when the session closes', async () => {
    rtp.setRemote(remote(far.port));
    const press = keyPress(SSRC, 9, 16000, 7, 4).slice(0, 4); // no end packets
    for (const packet of press) await far.sendRtp(rtp.localPort, packet);
    await waitFor(() => rtp.stats().packetsReceived === 4, 1000, 'the updates');
    expect(rtp.dtmf).toEqual([]);
    await rtp.close();
    expect(rtp.dtmf).toEqual([expect.objectContaining({ digit: '9', durationMs: 200 })]);
  });

  it(`keeps at most ${MAX_DTMF_DIGITS} key presses and ${DTMF_PER_SECOND} a second (F12): 100,000 events, each a new press`, async () => {
    rtp.setRemote(remote(far.port));
    let reported = 0;
    rtp.onDtmf = () => (reported += 1);
    const started = performance.now();
    for (let i = 0; i < 100_000; i += 1) {
      await far.sendRtp(rtp.localPort, {
        payloadType: 101,
        marker: true,
        sequenceNumber: i & 0xffff,
        timestamp: (1000 + i * 800) >>> 0,
        ssrc: SSRC,
        payload: serializeTelephoneEvent({ event: i % 16, end: true, volume: 10, duration: 400 }),
      });
      if (i % 200 === 199) await sleep(1); // let the session read (the kernel drops what a full buffer cannot take)
    }
    await sleep(100);
    const seconds = (performance.now() - started) / 1000;
    const presses = rtp.stats().packetsReceived; // each packet a press of its own
    expect(presses).toBeGreaterThan(20_000);
    expect(rtp.dtmf.length + rtp.dtmfDropped).toBe(presses);
    expect(rtp.dtmf.length).toBeLessThanOrEqual(MAX_DTMF_DIGITS);
    expect(rtp.dtmf.length).toBeLessThanOrEqual(DTMF_BURST + Math.ceil(seconds * DTMF_PER_SECOND));
    expect(rtp.dtmf.length).toBeGreaterThanOrEqual(DTMF_BURST);
    expect(reported).toBe(rtp.dtmf.length);
  });

  it('ignores telephone-events when none was negotiated', async () => {
    rtp.setRemote(remote(far.port, { telephoneEventPayloadType: undefined }));
    for (const packet of keyPress(SSRC, 1, 0, 1, 1)) await far.sendRtp(rtp.localPort, packet);
    await sleep(50);
    expect(rtp.dtmf).toEqual([]);
    expect(rtp.stats().packetsReceived).toBe(0);
  });
});
