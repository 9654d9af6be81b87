import { decodeAlaw, decodeUlaw, encodeUlaw } from '../media/g711.js';
import { RECORDING_MARGIN_MS, RecordingBuffer, recordingLimitMs, type RecordedPacket } from './recording-buffer.js';

const SSRC = 7;
/** A 20 ms packet whose samples all decode to the level of `mark` (1-based, so 0 stays "silence"). */
function packet(seq: number, timestamp: number, mark: number, ssrc = SSRC): RecordedPacket {
  return {
    ssrc,
    sequenceNumber: seq & 0xffff,
    timestamp: timestamp >>> 0,
    payload: encodeUlaw(new Int16Array(160).fill(mark * 1000)),
  };
}
const level = (mark: number) => decodeUlaw(encodeUlaw(Int16Array.of(mark * 1000)))[0];

/** Per 160-sample block: the mark it holds (0 for silence). */
function marks(buffer: RecordingBuffer): number[] {
  const pcm = buffer.toPcm();
  const out: number[] = [];
  for (let start = 0; start < pcm.length; start += 160) {
    const value = pcm[start];
    out.push(value === 0 ? 0 : ([...Array(20).keys()].find((m) => level(m) === value) ?? -1));
  }
  return out;
}

describe('RecordingBuffer', () => {
  it('places packets by timestamp: in order, with a gap, and out of order', () => {
    const buffer = new RecordingBuffer();
    buffer.write(packet(1, 1000, 1), 'PCMU', 0);
    buffer.write(packet(3, 1320, 3), 'PCMU', 40);
    buffer.write(packet(2, 1160, 2), 'PCMU', 41);
    buffer.write(packet(6, 1800, 6), 'PCMU', 100);
    expect(marks(buffer)).toEqual([1, 2, 3, 0, 0, 6]);
  });

  it('puts a packet older than the first one in front (the track shifts)', () => {
    const buffer = new RecordingBuffer();
    buffer.write(packet(11, 1160, 2), 'PCMU', 0);
    buffer.write(packet(10, 1000, 1), 'PCMU', 1);
    buffer.write(packet(12, 1320, 3), 'PCMU', 20);
    expect(marks(buffer)).toEqual([1, 2, 3]);
  });

  it('drops a packet later than the reorder window', () => {
    const buffer = new RecordingBuffer();
    for (let i = 0; i < 100; i += 1) if (i !== 5) buffer.write(packet(i, i * 160, 1), 'PCMU', i * 20);
    expect(buffer.write(packet(5, 5 * 160, 9), 'PCMU', 2000)).toBe(false); // 1.9 s late
    expect(marks(buffer)[5]).toBe(0);
    expect(buffer.length).toBe(100 * 160);
  });

  it('ignores one packet with a wild timestamp and carries on', () => {
    const buffer = new RecordingBuffer();
    buffer.write(packet(1, 0, 1), 'PCMU', 0);
    expect(buffer.write(packet(2, 2 ** 31, 2), 'PCMU', 20)).toBe(false); // would be 74 hours ahead
    buffer.write(packet(3, 320, 3), 'PCMU', 40);
    expect(marks(buffer)).toEqual([1, 0, 3]);
    expect(buffer.dropped).toBe(1);
  });

  it('follows a timestamp restart once a second consecutive packet confirms it', () => {
    const buffer = new RecordingBuffer();
    buffer.write(packet(1, 50000, 1), 'PCMU', 0);
    buffer.write(packet(2, 50160, 2), 'PCMU', 20);
    // Same SSRC, new timeline 100 ms later (our clock): 80 ms of pause, then the new packets.
    expect(buffer.write(packet(3, 7, 3), 'PCMU', 120)).toBe(false);
    expect(buffer.write(packet(4, 167, 4), 'PCMU', 140)).toBe(true);
    expect(marks(buffer)).toEqual([1, 2, 0, 0, 0, 0, 3, 4]);
  });

  it('re-anchors a new SSRC where our clock says it belongs', () => {
    const buffer = new RecordingBuffer();
    buffer.write(packet(1, 0, 1), 'PCMU', 0);
    buffer.write(packet(500, 999999, 2, 8), 'PCMU', 60); // new source 60 ms in
    buffer.write(packet(501, 999999 + 160, 3, 8), 'PCMU', 80);
    expect(marks(buffer)).toEqual([1, 0, 0, 2, 3]);
  });

  it('cannot be made to allocate beyond our clock plus the window', () => {
    const buffer = new RecordingBuffer();
    buffer.write(packet(1, 0, 1), 'PCMU', 0);
    for (let i = 2; i < 50; i += 1) buffer.write(packet(i, i * 8000 * 60, 1), 'PCMU', i); // a minute apart each, 1 ms apart in reality
    expect(buffer.length).toBeLessThanOrEqual(8000 + 160 * 2);
  });

  it("never grows past its cap (the call's longest length): audio beyond it is not kept", () => {
    const cap = 8000 + 80; // a second and half a packet
    const buffer = new RecordingBuffer(8000, cap);
    for (let i = 0; i < 100; i += 1) buffer.write(packet(i + 1, i * 160, 1), 'PCMU', i * 20); // 2 s in real time
    expect(buffer.length).toBe(cap);
    expect(buffer.toPcm().every((s) => s === level(1))).toBe(true);
    expect((buffer as unknown as { codes: Uint8Array }).codes.length).toBe(cap);
  });

  it('keeps the cap when a packet from before the first one shifts the track: its end falls off', () => {
    const buffer = new RecordingBuffer(8000, 400);
    for (let i = 0; i < 5; i += 1) buffer.write(packet(i + 1, i * 160, 1), 'PCMU', i * 20);
    expect(buffer.length).toBe(400);
    buffer.write(packet(0, -160, 2), 'PCMU', 100);
    expect(buffer.length).toBe(400);
    expect(marks(buffer)).toEqual([2, 1, 1]);
  });

  it('is allocated once at its cap: streaming the whole call never reallocates (review F12)', () => {
    const cap = 3 * 8000; // a 3 s call
    const buffer = new RecordingBuffer(8000, cap);
    const storage = () => (buffer as unknown as { codes: Uint8Array }).codes;
    const first = storage();
    expect(first.length).toBe(cap);
    // A far end that streams ten times longer than the call may last, in real time.
    for (let i = 0; i < 1500; i += 1) buffer.write(packet(i + 1, i * 160, 1), 'PCMU', i * 20);
    expect(storage()).toBe(first);
    expect(buffer.length).toBe(cap);
    // One byte a sample while the call is up; 16-bit PCM only when the track is read.
    expect(first.byteLength).toBe(cap);
    expect(buffer.toPcm()).toEqual(decodeUlaw(encodeUlaw(new Int16Array(cap).fill(1000))));
  });

  it('keeps a change of law exact: the track turns into PCM, gaps and both laws as decoded', () => {
    const buffer = new RecordingBuffer(8000, 8000);
    const alaw = Uint8Array.from({ length: 160 }, (_, i) => i);
    const ulaw = Uint8Array.from({ length: 160 }, (_, i) => 255 - i);
    buffer.write({ ssrc: 9, sequenceNumber: 1, timestamp: 0, payload: alaw }, 'PCMA', 0);
    // One packet lost (a 160-sample gap), then µ-law.
    buffer.write({ ssrc: 9, sequenceNumber: 3, timestamp: 320, payload: ulaw }, 'PCMU', 40);
    const pcm = buffer.toPcm();
    expect(pcm.length).toBe(480);
    expect(pcm.subarray(0, 160)).toEqual(decodeAlaw(alaw));
    expect(pcm.subarray(160, 320)).toEqual(new Int16Array(160));
    expect(pcm.subarray(320)).toEqual(decodeUlaw(ulaw));
  });

  it('release() gives the codes back at once; the recording read before it is untouched', () => {
    const buffer = new RecordingBuffer(8000, 8000 * 32);
    for (let i = 0; i < 50; i += 1) buffer.write(packet(i + 1, 1000 + i * 160, 1 + (i % 5)), 'PCMU', i * 20);
    const pcm = buffer.toPcm();
    const copy = Int16Array.from(pcm);
    const before = process.memoryUsage().arrayBuffers;
    buffer.release();
    // The 256,000 codes and 32,000 bytes of written bits: gone now, not at some later GC.
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(256_000 + 32_000);
    expect(pcm).toEqual(copy);
    expect([buffer.length, buffer.toPcm().length]).toEqual([0, 0]);
  });
});

describe('recordingLimitMs', () => {
  it("is the message's length plus the margin and 1 % drift, at most the call's maximum", () => {
    expect(recordingLimitMs(30_000, 600_000)).toBe(30_300 + RECORDING_MARGIN_MS);
    expect(recordingLimitMs(600_000, 600_000)).toBe(600_000);
    expect(recordingLimitMs(600_000, 120_000)).toBe(120_000);
    expect(recordingLimitMs(0, 60_000)).toBe(RECORDING_MARGIN_MS);
  });

  it('keeps a 600 s message to one 9.6 MB buffer where doubling reached 16.4 MB', () => {
    const samples = Math.ceil((recordingLimitMs(600_000, 600_000) * 8000) / 1000);
    expect(samples * 2).toBe(9_600_000);
    expect(samples * 2).toBeLessThan(16_384_000);
  });
});
