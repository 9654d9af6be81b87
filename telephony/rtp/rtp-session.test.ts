import { decodeUlaw, encodeAlaw, encodeUlaw } from '../media/g711.js';
import { goertzelPower, sineWave } from '../media/tone.js';
import { Pacer } from './pacer.js';
import { PortPool, PortsExhaustedError } from './port-pool.js';
import { RtpSession, type RtpRemote } from './rtp-session.js';
import { sleep, UdpPeer, waitFor } from './test-support.js';

const LOCAL = '127.0.0.1';
const pcmu = (port: number): RtpRemote => ({
  address: LOCAL,
  port,
  codec: 'PCMU',
  payloadType: 0,
  telephoneEventPayloadType: 101,
});

let pacer: Pacer;
let pool: PortPool;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  pacer = new Pacer();
  pool = new PortPool(31000, 31999);
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  expect(pacer.subscribers).toBe(0);
  expect(pacer.running).toBe(false);
  expect(pool.inUse).toBe(0);
  await pool.close();
});

async function session(ssrc?: number): Promise<RtpSession> {
  const opened = await RtpSession.open({
    localAddress: LOCAL,
    ports: pool,
    pacer,
    ...(ssrc === undefined ? {} : { ssrc }),
  });
  cleanups.push(() => opened.close());
  return opened;
}

async function peer(): Promise<UdpPeer> {
  const opened = await UdpPeer.open();
  cleanups.push(() => opened.close());
  return opened;
}

describe('RtpSession between two sessions over real UDP', () => {
  it('plays 1 s of a 1 kHz tone that the other side records intact', async () => {
    const a = await session();
    const b = await session();
    expect(a.localPort % 2).toBe(0);
    a.setRemote(pcmu(b.localPort));
    b.setRemote(pcmu(a.localPort));
    b.startRecording();

    const tone = sineWave({ frequency: 1000, durationMs: 1000, amplitude: 12000 });
    const started = performance.now();
    await a.play(tone);
    const elapsed = performance.now() - started;
    await waitFor(() => b.stats().packetsReceived === 50, 1000, '50 packets at B');

    // 50 frames on a 20 ms grid: the last leaves ~980 ms after the first (never sooner; the
    // upper bound only catches a runaway, timing under load is for make bench-sip).
    expect(elapsed).toBeGreaterThan(960);
    expect(elapsed).toBeLessThan(1500);
    expect(a.stats()).toEqual({ packetsSent: 50, octetsSent: 8000, packetsReceived: 0, packetsLost: 0, jitterMs: 0 });
    expect(b.stats()).toMatchObject({ packetsSent: 0, packetsReceived: 50, packetsLost: 0 });
    expect(b.stats().jitterMs).toBeLessThan(20); // RFC 3550 estimate; a loaded machine shows a few ms

    // Lossless path: exactly the µ-law-quantised tone. A pacer stall on a loaded machine
    // (over 5 ticks) makes the sender jump its timestamp and the recording fill that gap
    // with silent frames: those are taken out, the audio must be all there and in order.
    const recording = b.recording();
    const frames = Array.from({ length: recording.length / 160 }, (_, i) => recording.subarray(i * 160, (i + 1) * 160));
    const audible = frames.filter((frame) => frame.some((x) => x !== 0));
    expect(frames.length - audible.length).toBeLessThanOrEqual(10);
    const heard = Int16Array.from(audible.flatMap((frame) => [...frame]));
    expect(heard).toEqual(decodeUlaw(encodeUlaw(tone)));
    const rms = Math.sqrt(heard.reduce((sum, x) => sum + x * x, 0) / heard.length);
    expect(rms).toBeGreaterThan(8000);
    const at1k = goertzelPower(heard, 1000);
    for (const other of [500, 750, 1250, 1500, 2000, 3000])
      expect(at1k).toBeGreaterThan(100 * goertzelPower(heard, other));
  });
});

describe('RtpSession sending', () => {
  it('numbers packets 1 apart, steps the timestamp by 160, marks only the first', async () => {
    const receiver = await peer();
    const sender = await session(0xcafe0001);
    sender.setRemote(pcmu(receiver.port));
    const pcm = sineWave({ frequency: 440, durationMs: 200 });
    await sender.play(pcm);
    await waitFor(() => receiver.packets.length === 10, 1000, '10 packets');

    const packets = receiver.packets;
    packets.forEach((packet, i) => {
      expect(packet).toMatchObject({ payloadType: 0, ssrc: 0xcafe0001, marker: i === 0, csrcs: [], paddingLength: 0 });
      expect(packet.sequenceNumber).toBe((packets[0].sequenceNumber + i) & 0xffff);
      expect(packet.timestamp).toBe((packets[0].timestamp + i * 160) >>> 0);
      expect(packet.payload).toEqual(encodeUlaw(pcm.subarray(i * 160, (i + 1) * 160)));
    });
    expect(receiver.received.every((entry) => entry.from.port === sender.localPort)).toBe(true);
  });

  it('sends A-law with its payload type and pads the last frame with silence', async () => {
    const receiver = await peer();
    const sender = await session();
    sender.setRemote({ address: LOCAL, port: receiver.port, codec: 'PCMA', payloadType: 8 });
    const pcm = sineWave({ frequency: 300, durationMs: 125 }); // 1000 samples: 6 frames + 40 samples
    await sender.play(pcm);
    await waitFor(() => receiver.packets.length === 7, 1000, '7 packets');
    const last = receiver.packets[6];
    expect(last.payloadType).toBe(8);
    const expected = new Int16Array(160);
    expected.set(pcm.subarray(960));
    expect(last.payload).toEqual(encodeAlaw(expected));
    expect(sender.stats()).toMatchObject({ packetsSent: 7, octetsSent: 1120 });
  });

  it('keeps the timestamp on wall time across playbacks and marks each start', async () => {
    const receiver = await peer();
    const sender = await session();
    sender.setRemote(pcmu(receiver.port));
    await sender.play(new Int16Array(320));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sender.play(new Int16Array(320));
    await waitFor(() => receiver.packets.length === 4, 1000, '4 packets');
    const [p0, p1, p2, p3] = receiver.packets as [(typeof receiver.packets)[0], ...typeof receiver.packets];
    expect([p0.marker, p1.marker, p2.marker, p3.marker]).toEqual([true, false, true, false]);
    expect(p2.sequenceNumber).toBe((p1.sequenceNumber + 1) & 0xffff);
    // The ≥ 200 ms pause between the playbacks shows in the timestamps (8 per ms), not as the
    // 20 ms of consecutive frames. Both ends are pacer deadlines, so a late tick on a loaded
    // machine shortens the measured gap by its lateness: the bound leaves room for that.
    const gap = (p2.timestamp - p1.timestamp) >>> 0;
    expect(gap).toBeGreaterThanOrEqual(150 * 8);
    expect(gap).toBeLessThan(320 * 8);
  });

  it('after a pacer stall, jumps the timestamp over the skipped ticks and sets the marker', async () => {
    let now = 0;
    let pending: (() => void) | undefined;
    const stalled = new Pacer({
      now: () => now,
      scheduler: { setTimeout: (callback) => (pending = callback), clearTimeout: () => (pending = undefined) },
    });
    const tick = (atMs: number) => {
      now = atMs;
      const wake = pending!;
      pending = undefined;
      wake();
    };
    const receiver = await peer();
    const sender = await RtpSession.open({ localAddress: LOCAL, ports: pool, pacer: stalled });
    cleanups.push(() => sender.close());
    sender.setRemote(pcmu(receiver.port));
    const playing = sender.play(new Int16Array(160 * 20));
    tick(0); // frame 0
    tick(20); // frame 1
    tick(240); // ticks 2…12 due: 11 > 5, so ticks 2…7 are skipped and 8…12 sent (frames 2…6)
    await waitFor(() => receiver.packets.length === 7, 1000, '7 packets');
    const packets = receiver.packets;
    const steps = packets.slice(1).map((packet, i) => (packet.timestamp - packets[i].timestamp) >>> 0);
    expect(steps).toEqual([160, 7 * 160, 160, 160, 160, 160]);
    expect(packets.map((packet) => packet.marker)).toEqual([true, false, true, false, false, false, false]);
    expect(packets.map((packet) => (packet.sequenceNumber - packets[0].sequenceNumber) & 0xffff)).toEqual([
      0, 1, 2, 3, 4, 5, 6,
    ]);
    await sender.close();
    await playing;
  });

  it('follows setRemote() to a new address and codec mid-playback (re-INVITE)', async () => {
    const first = await peer();
    const second = await peer();
    const sender = await session();
    sender.setRemote(pcmu(first.port));
    const playing = sender.play(new Int16Array(160 * 15));
    await waitFor(() => first.packets.length >= 3, 1000, 'packets at the first address');
    sender.setRemote({ address: LOCAL, port: second.port, codec: 'PCMA', payloadType: 8 });
    await playing;
    await waitFor(() => first.packets.length + second.packets.length === 15, 1000, 'all 15 packets');
    expect(second.packets.length).toBeGreaterThan(0);
    expect(second.packets.every((packet) => packet.payloadType === 8)).toBe(true);
    expect(first.packets.every((packet) => packet.payloadType === 0)).toBe(true);
  });

  it('stops when the signal aborts, and resolves', async () => {
    const receiver = await peer();
    const sender = await session();
    sender.setRemote(pcmu(receiver.port));
    const abort = new AbortController();
    const playing = sender.play(new Int16Array(8000 * 5), abort.signal);
    await waitFor(() => receiver.packets.length >= 5, 1000, '5 packets');
    abort.abort();
    await playing;
    const sent = sender.stats().packetsSent;
    expect(sent).toBeLessThan(10);
    expect(pacer.subscribers).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sender.stats().packetsSent).toBe(sent);
  });

  it('still ends a playback whose packets cannot be sent (wrong address family)', async () => {
    const sender = await session();
    sender.setRemote({ ...pcmu(5004), address: '::1' }); // an IPv6 peer for an IPv4 socket
    await sender.play(new Int16Array(160 * 3));
    expect(sender.stats().packetsSent).toBe(3);
  });

  it('resolves at once for an aborted signal or empty audio; rejects before setRemote() and when already playing', async () => {
    const sender = await session();
    await expect(sender.play(new Int16Array(160))).rejects.toThrow('before setRemote()');
    sender.setRemote(pcmu(9));
    await sender.play(new Int16Array(0));
    await sender.play(new Int16Array(160), AbortSignal.abort());
    expect(sender.stats().packetsSent).toBe(0);
    const playing = sender.play(new Int16Array(1600));
    await expect(sender.play(new Int16Array(160))).rejects.toThrow('already playing');
    await sender.close();
    await playing;
  });
});

describe('RtpSession lifecycle', () => {
  it('close() ends playback, leaves the pacer, releases the port; idempotent', async () => {
    const receiver = await peer();
    const sender = await session();
    sender.setRemote(pcmu(receiver.port));
    const playing = sender.play(new Int16Array(8000 * 10));
    await waitFor(() => receiver.packets.length >= 2, 1000, 'first packets');
    expect(pacer.subscribers).toBe(1);
    expect(pool.inUse).toBe(1);
    await Promise.all([sender.close(), sender.close()]);
    await playing;
    expect(pacer.subscribers).toBe(0);
    expect(pool.inUse).toBe(0);
    await sender.play(new Int16Array(160)); // after close: resolves, sends nothing
    expect(sender.stats().packetsSent).toBeLessThan(10);
  });

  it('pacer.stop() ends a playback instead of leaving it hanging', async () => {
    const sender = await session();
    sender.setRemote(pcmu(9));
    const playing = sender.play(new Int16Array(8000 * 10));
    await waitFor(() => sender.stats().packetsSent >= 1, 1000, 'a packet');
    pacer.stop();
    await playing;
  });

  it('opens and closes 200 sessions without leaking ports, sockets or timers', async () => {
    const small = new PortPool(32000, 32099); // 50 even ports: reuse is required
    const udpHandles = () => process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap').length;
    const before = udpHandles();
    let mostHandles = 0;
    for (let i = 0; i < 200; i += 1) {
      const opened = await RtpSession.open({ localAddress: LOCAL, ports: small, pacer });
      opened.setRemote(pcmu(9));
      if (i % 20 === 0) await opened.play(new Int16Array(160)); // some of them use the pacer too
      await opened.close();
      mostHandles = Math.max(mostHandles, udpHandles());
    }
    expect(small.inUse).toBe(0);
    expect(small.idleSockets).toBeGreaterThan(0); // kept bound for the next calls…
    expect(mostHandles - before).toBeLessThanOrEqual(small.capacity); // …never more than the range
    expect(pacer.subscribers).toBe(0);
    await small.close();
    expect(small.idleSockets).toBe(0);
    // libuv finishes closing handles on a later turn of the loop.
    await waitFor(() => udpHandles() <= before, 1000, 'every UDP handle closed');

    // Exhausting the pool fails cleanly and leaves nothing behind. (Fewer than 50 may open when
    // another process holds some of these ports: those are skipped, which is the point.)
    const open: RtpSession[] = [];
    cleanups.push(async () => void (await Promise.all(open.map((s) => s.close()))));
    for (;;) {
      const next = await RtpSession.open({ localAddress: LOCAL, ports: small, pacer }).catch((error: unknown) => error);
      if (!(next instanceof RtpSession)) {
        expect(next).toBeInstanceOf(PortsExhaustedError);
        break;
      }
      open.push(next);
      expect(open.length).toBeLessThanOrEqual(small.capacity);
    }
    expect(open.length).toBeGreaterThan(0);
    expect(new Set(open.map((s) => s.localPort)).size).toBe(open.length);
    expect(small.inUse).toBe(open.length);
    await Promise.all(open.map((s) => s.close()));
    expect(small.inUse).toBe(0);
    await waitFor(() => udpHandles() <= before, 1000, 'every UDP handle closed');
    expect(pacer.running).toBe(false); // no timer left behind
  });
});

describe('PortPool: sockets handed back are kept bound and reused', () => {
  const audio = (sequenceNumber: number) => ({
    payloadType: 0,
    sequenceNumber,
    timestamp: sequenceNumber * 160,
    ssrc: 0x5eed,
    payload: new Uint8Array(160).fill(0xff),
  });

  it('reuses a socket once idle for reuseAfterMs, binding other ports until then', async () => {
    const range = new PortPool(35000, 35099, { reuseAfterMs: 300 });
    cleanups.push(() => range.close());
    const first = await range.bindSocket(LOCAL);
    await range.recycle(first, LOCAL);
    expect([range.inUse, range.idleSockets]).toEqual([0, 1]);
    const second = await range.bindSocket(LOCAL);
    expect(second.port).not.toBe(first.port); // too soon: a newly bound port
    await range.recycle(second, LOCAL);
    await sleep(350);
    const third = await range.bindSocket(LOCAL);
    expect([first.socket, second.socket]).toContain(third.socket); // an idle socket (picked at random), still bound
    expect([range.inUse, range.idleSockets]).toEqual([1, 1]);
    await range.recycle(third, LOCAL);
  });

  it('with no unbound port left, takes the oldest idle socket at once', async () => {
    const range = new PortPool(35100, 35103, { reuseAfterMs: 60_000 }); // two even ports
    cleanups.push(() => range.close());
    const a = await range.bindSocket(LOCAL);
    const b = await range.bindSocket(LOCAL);
    await range.recycle(a, LOCAL);
    await range.recycle(b, LOCAL);
    expect((await range.bindSocket(LOCAL)).socket).toBe(a.socket);
    expect((await range.bindSocket(LOCAL)).socket).toBe(b.socket);
    await expect(range.bindSocket(LOCAL)).rejects.toBeInstanceOf(PortsExhaustedError);
    await range.recycle(a, LOCAL);
    await range.recycle(b, LOCAL);
  });

  it('drops what arrives while idle: the next call on the port sees only its own packets', async () => {
    const range = new PortPool(35200, 35299, { reuseAfterMs: 0 });
    cleanups.push(() => range.close());
    const far = await peer();
    const before = await RtpSession.open({ localAddress: LOCAL, ports: range, pacer });
    before.setRemote(pcmu(far.port));
    await before.close();
    for (let i = 0; i < 5; i += 1) await far.sendRtp(before.localPort, audio(i)); // the previous call's far end, still sending
    await sleep(100);
    const next = await RtpSession.open({ localAddress: LOCAL, ports: range, pacer });
    expect(next.localPort).toBe(before.localPort);
    next.setRemote(pcmu(far.port));
    await sleep(50);
    expect(next.stats().packetsReceived + next.ignored).toBe(0);
    expect(before.stats().packetsReceived).toBe(0); // nor did the closed session get them
    await far.sendRtp(next.localPort, audio(100));
    await waitFor(() => next.stats().packetsReceived === 1, 1000, "the new call's packet");
    await next.close();
  });

  it('closes sockets idle for idleCloseMs and releases their ports', async () => {
    const udpHandles = () => process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap').length;
    const before = udpHandles();
    const range = new PortPool(35300, 35399, { reuseAfterMs: 100, idleCloseMs: 200 });
    await range.recycle(await range.bindSocket(LOCAL), LOCAL);
    await range.recycle(await range.bindSocket(LOCAL), LOCAL);
    expect(udpHandles()).toBe(before + 2);
    await waitFor(() => range.idleSockets === 0, 2000, 'idle sockets closed');
    expect(range.inUse).toBe(0);
    await waitFor(() => udpHandles() <= before, 1000, 'every UDP handle closed');
  });
});

describe('PortPool', () => {
  it('hands out even ports only and validates its range', () => {
    const range = new PortPool(40001, 40007);
    expect(range.capacity).toBe(3);
    const ports = [range.acquire(), range.acquire(), range.acquire()];
    expect([...ports].sort()).toEqual([40002, 40004, 40006]);
    expect(range.acquire()).toBeUndefined();
    range.release(40004);
    expect(range.acquire()).toBe(40004);
    expect(() => new PortPool(40001, 40001)).toThrow(RangeError);
    expect(() => new PortPool(50000, 40000)).toThrow(RangeError);
  });

  it('picks ports at random (F5): the next port cannot be told from the last ones', () => {
    const range = new PortPool(50000, 51999); // 1,000 even ports
    const ports = Array.from({ length: 200 }, () => range.acquire()!);
    expect(new Set(ports).size).toBe(200);
    const steps = ports.slice(1).map((port, i) => port - ports[i]);
    expect(steps.filter((step) => step === 2).length).toBeLessThan(10); // round-robin: all 199
    expect(Math.min(...ports)).toBeLessThan(50400); // spread over the range
    expect(Math.max(...ports)).toBeGreaterThan(51600);
    for (const port of ports) range.release(port);
    expect(range.inUse).toBe(0);
  });

  it('skips a port another process holds (EADDRINUSE)', async () => {
    const squatter = await UdpPeer.open();
    await squatter.close();
    const taken = squatter.port + (squatter.port % 2); // an even port…
    const holder = new PortPool(taken, taken + 2);
    const blocker = await holder.bindSocket(LOCAL); // …held by "another process"
    const close = (socket: { close(cb: () => void): void }) => new Promise<void>((resolve) => socket.close(resolve));
    let bound: Awaited<ReturnType<PortPool['bindSocket']>> | undefined;
    try {
      const other = new PortPool(taken, taken + 2);
      bound = await other.bindSocket(LOCAL);
      // Ports are picked at random: the blocker got one of the two, the other pool the other one.
      expect([bound.port, blocker.port].sort((a, b) => a - b)).toEqual([taken, taken + 2]);
      expect(other.inUse).toBe(1);
    } finally {
      // A failure must not leave a socket open: jest would not exit.
      if (bound) await close(bound.socket);
      await close(blocker.socket);
    }
  });

  it('throws bind errors that are not about the port (address not on this host)', async () => {
    const range = new PortPool(33000, 33010);
    await expect(range.bindSocket('192.0.2.1')).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
    expect(range.inUse).toBe(0);
  });
});
