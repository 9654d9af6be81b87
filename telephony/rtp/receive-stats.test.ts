import { ReceiveStats } from './receive-stats.js';

function feed(stats: ReceiveStats, seqs: number[], ssrc = 1): boolean[] {
  return seqs.map((seq) => stats.update(ssrc, seq & 0xffff));
}

describe('ReceiveStats sequence tracking (RFC 3550 A.1)', () => {
  it('counts an in-order stream without loss, across the 16-bit wrap', () => {
    const stats = new ReceiveStats();
    feed(
      stats,
      Array.from({ length: 100 }, (_, i) => 65500 + i),
    );
    expect([stats.packetsReceived, stats.packetsLost]).toEqual([100, 0]);
  });

  it('counts gaps as loss, and reordering (even before the first packet) as none', () => {
    const stats = new ReceiveStats();
    feed(stats, [11, 10, 12, 14, 13, 15, 18, 19]); // 16, 17 lost
    expect([stats.packetsReceived, stats.packetsLost]).toEqual([8, 2]);
    feed(stats, [16]); // arrives very late after all
    expect(stats.packetsLost).toBe(1);
  });

  it('handles reordering across the wrap at the start of a stream', () => {
    const stats = new ReceiveStats();
    feed(stats, [0, 65535, 1, 2]);
    expect([stats.packetsReceived, stats.packetsLost]).toEqual([4, 0]);
  });

  it('never reports negative loss for duplicates', () => {
    const stats = new ReceiveStats();
    feed(stats, [1, 2, 2, 2, 3]);
    expect([stats.packetsReceived, stats.packetsLost]).toEqual([5, 0]);
  });

  it('discards one wild jump, and follows a sender that renumbered (two sequential packets)', () => {
    const stats = new ReceiveStats();
    expect(feed(stats, [100, 101, 30000, 102])).toEqual([true, true, false, true]);
    expect(feed(stats, [40000, 40001, 40002])).toEqual([false, true, true]);
    expect([stats.packetsReceived, stats.packetsLost]).toEqual([5, 0]);
  });

  it('starts a new source on a new SSRC and keeps the totals', () => {
    const stats = new ReceiveStats();
    feed(stats, [1, 2, 4], 1); // one lost
    feed(stats, [9000, 9001, 9003], 2); // one lost
    expect([stats.packetsReceived, stats.packetsLost]).toEqual([6, 2]);
  });
});

describe('ReceiveStats interarrival jitter (RFC 3550 §6.4.1)', () => {
  it('is zero when packets arrive exactly on their timestamps', () => {
    const stats = new ReceiveStats();
    for (let i = 0; i < 50; i += 1) stats.arrival(1000 + i * 160, 5000 + i * 20);
    expect(stats.jitterMs).toBe(0);
  });

  it('applies J += (|D| − J) / 16', () => {
    const stats = new ReceiveStats();
    stats.arrival(0, 0);
    stats.arrival(160, 22); // D = 22 × 8 − 160 = 16 units → J = 1 unit = 0.125 ms
    expect(stats.jitterMs).toBeCloseTo(0.125, 10);
    stats.arrival(320, 40); // D = 18 × 8 − 160 = −16 → J = 1 + (16 − 1) / 16
    expect(stats.jitterMs).toBeCloseTo((1 + 15 / 16) / 8, 10);
  });

  it('converges to the mean deviation: ±1 ms alternating → 1 ms, across the timestamp wrap', () => {
    const stats = new ReceiveStats();
    for (let i = 0; i < 400; i += 1) stats.arrival((2 ** 32 - 32000 + i * 160) >>> 0, i * 20 + (i % 2 ? 1 : 0));
    expect(stats.jitterMs).toBeCloseTo(1, 3);
  });
});
