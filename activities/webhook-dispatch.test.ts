import { sweepUnscopedDeliveries } from './webhook-dispatch';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("sweepUnscopedDeliveries: the worker's sweep of external calls' deliveries", () => {
  test('sweeps on every tick with the grace period, never two sweeps at once, until stopped', async () => {
    const calls: number[] = [];
    let inFlight = 0;
    let most = 0;
    const dispatcher = {
      dispatchUnscoped: async (graceMs: number) => {
        calls.push(graceMs);
        most = Math.max(most, ++inFlight);
        await sleep(45); // slower than the tick: the next ticks must not start another
        inFlight--;
        return 0;
      },
    };
    const stop = sweepUnscopedDeliveries(dispatcher, () => undefined, 10, 30_000);
    await sleep(200);
    stop();
    const swept = calls.length;
    expect(swept).toBeGreaterThanOrEqual(2);
    expect(swept).toBeLessThan(10);
    expect(new Set(calls)).toEqual(new Set([30_000]));
    expect(most).toBe(1);
    await sleep(100);
    expect(calls).toHaveLength(swept);
  });

  test('a failed sweep is reported and the next tick sweeps again', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const dispatcher = {
      dispatchUnscoped: () => (++n === 1 ? Promise.reject(new Error('Temporal unreachable')) : Promise.resolve(0)),
    };
    const stop = sweepUnscopedDeliveries(dispatcher, (err) => errors.push(err), 10);
    await sleep(80);
    stop();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/Temporal unreachable/);
    expect(n).toBeGreaterThan(1);
  });
});
