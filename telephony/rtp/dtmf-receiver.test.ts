import { DtmfReceiver, STALE_EVENT_MS, type ReceivedDtmf } from './dtmf-receiver.js';

function receiver() {
  const reports: ReceivedDtmf[] = [];
  return { dtmf: new DtmfReceiver((report) => reports.push(report)), reports };
}
const update = (event: number, duration: number) => ({ event, end: false, volume: 10, duration });
const end = (event: number, duration: number) => ({ event, end: true, volume: 10, duration });

describe('DtmfReceiver', () => {
  it('reports once at the first end packet, ignoring the redundant ones and stragglers', () => {
    const { dtmf, reports } = receiver();
    dtmf.packet(1000, update(1, 400), 10);
    dtmf.packet(1000, update(1, 800), 60);
    dtmf.packet(1000, end(1, 1040), 100);
    dtmf.packet(1000, end(1, 1040), 101);
    dtmf.packet(1000, end(1, 1040), 102);
    dtmf.packet(1000, update(1, 800), 103); // reordered update after the end
    expect(reports).toEqual([{ digit: '1', startedAtMs: 10, durationMs: 130 }]);
  });

  it('takes the longest duration seen, whatever the arrival order', () => {
    const { dtmf, reports } = receiver();
    dtmf.packet(0, update(12, 800), 0);
    dtmf.packet(0, update(12, 400), 1);
    dtmf.packet(0, end(12, 1200), 2);
    expect(reports).toEqual([{ digit: 'A', startedAtMs: 0, durationMs: 150 }]);
  });

  it('reports an unfinished event when a newer one starts', () => {
    const { dtmf, reports } = receiver();
    dtmf.packet(1000, update(2, 400), 0);
    dtmf.packet(5000, update(3, 400), 500);
    expect(reports.map((r) => r.digit)).toEqual(['2']);
    dtmf.packet(1000, update(2, 800), 501); // a late packet of the reported event
    dtmf.flush();
    expect(reports.map((r) => r.digit)).toEqual(['2', '3']);
  });

  it('reports an event that went quiet for longer than the stale limit', () => {
    const { dtmf, reports } = receiver();
    dtmf.packet(0, update(4, 400), 0);
    dtmf.expire(STALE_EVENT_MS);
    expect(reports).toEqual([]);
    dtmf.expire(STALE_EVENT_MS + 1);
    expect(reports).toEqual([{ digit: '4', startedAtMs: 0, durationMs: 50 }]);
  });

  it('does not report non-DTMF events (flash) but still tracks them', () => {
    const { dtmf, reports } = receiver();
    dtmf.packet(0, end(16, 800), 0);
    dtmf.packet(0, end(16, 800), 1);
    dtmf.packet(800, end(0, 800), 2);
    expect(reports.map((r) => r.digit)).toEqual(['0']);
  });

  it('orders events across the 32-bit timestamp wrap', () => {
    const { dtmf, reports } = receiver();
    dtmf.packet(2 ** 32 - 400, end(7, 400), 0);
    dtmf.packet(1200, end(8, 400), 200);
    dtmf.packet(2 ** 32 - 400, end(7, 400), 201); // the old one again: ignored
    expect(reports.map((r) => r.digit)).toEqual(['7', '8']);
  });
});
