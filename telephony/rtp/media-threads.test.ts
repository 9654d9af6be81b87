/**
 * RTP in media threads: real worker threads (the compiled thread code from dist/, which
 * `make test` builds first) with real UDP sockets, driven from this thread as the SIP side
 * drives them.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself: an import namespace's bindings cannot be spied on
import workerThreads = require('node:worker_threads');
import { encodeUlaw } from '../media/g711.js';
import type { CallMedia } from './call-media.js';
import { MediaThreads, splitPortRange } from './media-threads.js';
import { PortsExhaustedError } from './port-pool.js';
import type { DtmfDigit, RtpRemote } from './rtp-session.js';
import { keyPress, sleep, UdpPeer, waitFor } from './test-support.js';

const LOCAL = '127.0.0.1';
const SSRC = 0x7e57ab1e;

const remote = (port: number): RtpRemote => ({
  address: LOCAL,
  port,
  codec: 'PCMU',
  payloadType: 0,
  telephoneEventPayloadType: 101,
});

describe('splitPortRange', () => {
  it('gives each thread a contiguous share with as many even ports (±1)', () => {
    expect(splitPortRange(20000, 21999, 2)).toEqual([
      { min: 20000, max: 20999 },
      { min: 21000, max: 21999 },
    ]);
    // 20002…20010: five even ports over three threads.
    expect(splitPortRange(20001, 20010, 3)).toEqual([
      { min: 20002, max: 20003 },
      { min: 20004, max: 20007 },
      { min: 20008, max: 20010 },
    ]);
  });

  it('makes fewer shares than threads when the range has fewer even ports, and refuses a range without one', () => {
    expect(splitPortRange(30000, 30002, 4)).toEqual([
      { min: 30000, max: 30001 },
      { min: 30002, max: 30002 },
    ]);
    expect(() => splitPortRange(30001, 30001, 2)).toThrow(RangeError);
    expect(() => splitPortRange(30000, 30010, 0)).toThrow(RangeError);
  });
});

describe('MediaThreads', () => {
  let threads: MediaThreads;
  let far: UdpPeer;
  const open: CallMedia[] = [];

  beforeEach(async () => {
    threads = new MediaThreads({ threads: 2, rtpPorts: { min: 45000, max: 45099 } });
    far = await UdpPeer.open();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((media) => media.finish()));
    await threads.close();
    await far.close();
  });

  async function openMedia(): Promise<CallMedia> {
    const media = await threads.open(LOCAL);
    open.push(media);
    return media;
  }

  it('spreads calls over the threads, each on ports of its own share', async () => {
    const media = await Promise.all([openMedia(), openMedia(), openMedia(), openMedia()]);
    expect(threads.load).toEqual([2, 2]);
    const ports = media.map((m) => m.localPort).sort((a, b) => a - b);
    expect(ports.filter((port) => port < 45050)).toHaveLength(2);
    expect(ports.filter((port) => port >= 45050)).toHaveLength(2);
    expect(ports.every((port) => port % 2 === 0)).toBe(true);
    await Promise.all(media.map((m) => m.finish()));
    expect(threads.load).toEqual([0, 0]);
  });

  it('plays a message on 20 ms frames, records the far end and reports its DTMF, from another thread', async () => {
    const media = await openMedia();
    media.setRemote(remote(far.port));
    media.startRecording();
    const digits: DtmfDigit[] = [];
    media.onDtmf = (digit) => digits.push(digit);

    await media.play(new Int16Array(160 * 25).fill(1000));
    expect(far.packets).toHaveLength(25);
    expect(far.packets[0]).toMatchObject({ payloadType: 0, marker: true });
    const sequence = far.packets.map((p) => p.sequenceNumber);
    expect(sequence.slice(1).every((seq, i) => seq === ((sequence[i] + 1) & 0xffff))).toBe(true);

    for (let i = 0; i < 10; i += 1) {
      await far.sendRtp(media.localPort, {
        payloadType: 0,
        sequenceNumber: i,
        timestamp: i * 160,
        ssrc: SSRC,
        payload: encodeUlaw(new Int16Array(160).fill(4000)),
      });
    }
    for (const packet of keyPress(SSRC, 5, 1600, 10, 2)) await far.sendRtp(media.localPort, packet);
    await waitFor(() => digits.length === 1, 5000, 'the digit reported in this thread');
    expect(digits[0]).toMatchObject({ digit: '5', durationMs: 150, source: 'rfc4733' });

    const snapshot = await media.finish();
    expect(snapshot.stats).toMatchObject({
      packetsSent: 25,
      octetsSent: 25 * 160,
      packetsReceived: 15,
      packetsLost: 0,
    });
    expect(snapshot.recording).toHaveLength(10 * 160);
    expect(Math.min(...snapshot.recording)).toBeGreaterThan(3500);
    expect(snapshot.dtmf).toEqual(digits);
    expect(snapshot.startedAt).toBeLessThanOrEqual(Date.now());
    expect(await media.finish()).toBe(snapshot); // idempotent
  });

  it("a finished call's recording track is given back at once, not at the thread's next garbage collection", async () => {
    const media = await Promise.all([openMedia(), openMedia(), openMedia(), openMedia()]);
    const external = async () => (await threads.heaps()).reduce((sum, heap) => sum + heap.external, 0);
    const before = await external();
    for (const m of media) {
      m.setRemote(remote(far.port));
      m.startRecording(30_000); // 240,000 codes and 30,000 bytes of written bits each, allocated up front
    }
    // All four once the threads have the command.
    let held = 0;
    await waitFor(async () => (held = (await external()) - before) >= 4 * 270_000, 2000, 'the four tracks allocated');
    const snapshots = await Promise.all(media.map((m) => m.finish()));
    expect(snapshots.every((s) => s.recording.length === 0)).toBe(true);
    expect((await external()) - before).toBeLessThan(held - 4 * 270_000 + 64 * 1024);
  });

  it('hears only the SDP address and port in a thread too (F5): a stranger first takes nothing over', async () => {
    const stranger = await UdpPeer.open(); // 127.0.0.1 too, another port
    try {
      const media = await openMedia();
      media.setRemote(remote(far.port));
      const digits: DtmfDigit[] = [];
      media.onDtmf = (digit) => digits.push(digit);
      // The thread has the far end once a playback has gone there (its messages keep their order);
      // RTP that reaches the thread before setRemote() is ignored, from anyone.
      const before = far.packets.length;
      await media.play(new Int16Array(160 * 3));
      await waitFor(() => far.packets.length === before + 3, 2000, 'the first playback at the far end');
      for (const packet of keyPress(0xbad, 1, 800, 1, 2)) await stranger.sendRtp(media.localPort, packet);
      for (const packet of keyPress(SSRC, 5, 1600, 10, 2)) await far.sendRtp(media.localPort, packet);
      await waitFor(() => digits.length === 1, 5000, "the far end's digit");
      await media.play(new Int16Array(160 * 3));
      await waitFor(() => far.packets.length === before + 6, 2000, 'the second playback at the far end'); // still the SDP's
      expect(stranger.received).toHaveLength(0);
      const snapshot = await media.finish();
      expect(snapshot.dtmf.map((d) => d.digit)).toEqual(['5']);
      expect(snapshot.stats.packetsReceived).toBe(5);
    } finally {
      await stranger.close();
    }
  });

  it('stops a playback at once when its signal aborts, and refuses what a session here refuses', async () => {
    const media = await openMedia();
    await expect(media.play(new Int16Array(160))).rejects.toThrow('before setRemote()');
    expect(() => media.setRemote(remote(70000))).toThrow(RangeError);
    media.setRemote(remote(far.port));

    const abort = new AbortController();
    const playing = media.play(new Int16Array(160 * 250), abort.signal); // 5 s
    await expect(media.play(new Int16Array(160))).rejects.toThrow('while already playing');
    await waitFor(() => far.packets.length >= 5, 2000, 'the first packets');
    const started = performance.now();
    abort.abort();
    await playing;
    expect(performance.now() - started).toBeLessThan(50);
    await sleep(100); // the thread has stopped too: nothing more arrives
    const sent = far.packets.length;
    await sleep(100);
    expect(far.packets.length).toBe(sent);
    expect(sent).toBeLessThan(50);

    // The next playback is a new one (marker bit), not the old one's tail.
    await media.play(new Int16Array(160 * 3));
    expect(far.packets.length).toBe(sent + 3);
    expect(far.packets[sent].marker).toBe(true);
    expect((await media.finish()).stats.packetsSent).toBe(sent + 3);
  });

  it('a playback still running when the call finishes resolves', async () => {
    const media = await openMedia();
    media.setRemote(remote(far.port));
    const playing = media.play(new Int16Array(160 * 500));
    await waitFor(() => far.packets.length >= 2, 2000, 'the first packets');
    const snapshot = await media.finish();
    await playing;
    expect(snapshot.stats.packetsSent).toBeGreaterThanOrEqual(2);
    expect(snapshot.stats.packetsSent).toBeLessThan(100);
    expect(await media.play(new Int16Array(160))).toBeUndefined(); // finished: nothing is sent
  });

  it('a thread whose ports are all taken passes the call to another; none left is PortsExhaustedError', async () => {
    const small = new MediaThreads({ threads: 2, rtpPorts: { min: 45100, max: 45103 } });
    try {
      const first = await small.open(LOCAL);
      const second = await small.open(LOCAL);
      expect([first.localPort, second.localPort].sort()).toEqual([45100, 45102]);
      const refused = small.open(LOCAL);
      await expect(refused).rejects.toBeInstanceOf(PortsExhaustedError);
      await expect(refused).rejects.toThrow('no free RTP port in 45100–45103');
      await first.finish();
      const third = await small.open(LOCAL); // the socket just handed back, reused at once
      expect(third.localPort).toBe(first.localPort);
      await Promise.all([second.finish(), third.finish()]);
    } finally {
      await small.close();
    }
  });

  it('a thread that dies takes only its calls with it: their playback and finish() resolve, the next call starts it again', async () => {
    // The real threads run; the spy only keeps hold of them, so that one can be ended mid-call.
    const RealWorker = workerThreads.Worker;
    const started: workerThreads.Worker[] = [];
    const spy = jest.spyOn(workerThreads, 'Worker').mockImplementation((...args) => {
      const worker = new RealWorker(...args);
      started.push(worker);
      return worker;
    });
    try {
      const doomed = await openMedia();
      expect(threads.load).toEqual([1, 0]);
      doomed.setRemote(remote(far.port));
      const playing = doomed.play(new Int16Array(160 * 500)); // 10 s
      await waitFor(() => far.packets.length >= 2, 2000, 'the first packets');
      await started[0].terminate();
      await playing;
      expect((await doomed.finish()).stats.packetsSent).toBe(0); // what it sent died with the thread
      expect(threads.load).toEqual([0, 0]);

      const next = await openMedia();
      expect(started).toHaveLength(2); // a new thread, on the same share of the ports
      expect(next.localPort).toBeLessThan(45050);
      next.setRemote(remote(far.port));
      const before = far.packets.length;
      await next.play(new Int16Array(160 * 3));
      await waitFor(() => far.packets.length === before + 3, 2000, "the next call's packets");
    } finally {
      spy.mockRestore();
    }
  });

  it('closed: no more calls', async () => {
    await threads.close();
    await expect(threads.open(LOCAL)).rejects.toThrow('closed');
  });
});
