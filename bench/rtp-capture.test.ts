import { intervalJitter, parsePcap } from './rtp-capture';

/** A classic pcap (Ethernet framing) of RTP packets: [ms, source port, ssrc]. */
function pcap(packets: readonly [number, number, number][], snap = 64): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt32LE(snap, 16);
  header.writeUInt32LE(1, 20);
  const records = packets.map(([ms, port, ssrc]) => {
    const frame = Buffer.alloc(14 + 20 + 8 + 12 + 160);
    frame[14] = 0x45; // IPv4, 20-byte header
    frame.writeUInt16BE(port, 34);
    frame.writeUInt16BE(30000, 36);
    frame[42] = 0x80; // RTP version 2
    frame.writeUInt32BE(ssrc, 50);
    const captured = frame.subarray(0, Math.min(snap, frame.length));
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(ms / 1000), 0);
    record.writeUInt32LE(Math.round((ms % 1000) * 1000), 4);
    record.writeUInt32LE(captured.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, captured]);
  });
  return Buffer.concat([header, ...records]);
}

test('a port the next call reuses with another SSRC is another stream, not one long interval', () => {
  const data = pcap([
    [1000, 40000, 1],
    [1020, 40000, 1],
    [1040, 40000, 1],
    [1500, 40000, 2], // the next call on the port, 460 ms later
    [1520, 40000, 2],
    [1001, 40002, 3],
    [1022, 40002, 3],
  ]);
  const streams = parsePcap(data);
  expect(streams.size).toBe(3);
  expect(streams.get(40000 * 2 ** 32 + 1)).toEqual([1000, 1020, 1040]);
  expect(streams.get(40000 * 2 ** 32 + 2)).toEqual([1500, 1520]);
  const jitter = intervalJitter(streams);
  expect(jitter.intervals).toBe(4);
  expect(jitter.max).toBeCloseTo(1, 3);
});

test('a capture cut before the RTP header falls back to the source port alone', () => {
  const streams = parsePcap(
    pcap(
      [
        [0, 40000, 1],
        [20, 40000, 2],
      ],
      44,
    ),
  );
  expect([...streams.keys()]).toEqual([40000]);
});
