import { ClockThread } from './clock-thread.js';

/** Arms `clock` for `ms` and resolves with how late (ms) the callback ran. */
function lateness(clock: ClockThread, ms: number): Promise<number> {
  return new Promise((resolve) => {
    const armedAt = performance.now();
    clock.setTimeout(() => resolve(performance.now() - (armedAt + ms)), ms);
  });
}

describe('ClockThread', () => {
  const clock = new ClockThread();
  afterAll(() => clock.close());

  // How close to the deadline is a figure for `make bench-sip` (it depends on the machine's load).
  it('calls back once, never before the deadline, with fractional delays', async () => {
    await lateness(clock, 1); // starts the thread
    const late: number[] = [];
    for (const ms of [0.3, 2.7, 4.1, 1.05, 3.5]) late.push(await lateness(clock, ms));
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
  });

  it('serves a deadline already due at once, without the thread', async () => {
    const fresh = new ClockThread();
    try {
      const order: string[] = [];
      await new Promise<void>((resolve) => {
        fresh.setTimeout(() => {
          order.push('clock');
          resolve();
        }, 0);
        setTimeout(() => order.push('timer'), 2);
      });
      expect(order).toEqual(['clock']); // starting a thread takes longer than 2 ms
    } finally {
      await fresh.close();
    }
  });

  it('does not call a cleared timer, nor one replaced by a later arming', async () => {
    const calls: string[] = [];
    const first = clock.setTimeout(() => calls.push('cleared'), 2);
    clock.clearTimeout(first);
    clock.setTimeout(() => calls.push('replaced'), 2);
    await new Promise<void>((resolve) =>
      clock.setTimeout(() => {
        calls.push('last');
        resolve();
      }, 4),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual(['last']);
  });

  it('keeps the event loop alive only while a timer is armed', async () => {
    const resources = () => process.getActiveResourcesInfo().filter((kind) => kind === 'MessagePort').length;
    await lateness(clock, 1);
    const idle = resources();
    const fired = lateness(clock, 5);
    expect(resources()).toBe(idle + 1);
    await fired;
    await new Promise((resolve) => setImmediate(resolve));
    expect(resources()).toBe(idle);
    const handle = clock.setTimeout(() => undefined, 50);
    clock.clearTimeout(handle);
    expect(resources()).toBe(idle);
  });

  it('starts a new thread after close()', async () => {
    const own = new ClockThread();
    await lateness(own, 1);
    await own.close();
    expect(await lateness(own, 2)).toBeGreaterThanOrEqual(0);
    await own.close();
  });
});

describe('ClockThread without its thread', () => {
  it('serves the armed timer and later ones with Node timers if the thread ends', async () => {
    const clock = new ClockThread();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await lateness(clock, 1); // the thread runs
      const pending = lateness(clock, 200);
      // The thread dies (it never does on its own; terminate() stands in for a crash).
      await (clock as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      // Node's timers fire up to a millisecond early; the fallback waits out the rest.
      expect(await pending).toBeGreaterThanOrEqual(0);
      expect(await lateness(clock, 3)).toBeGreaterThanOrEqual(0);
      expect(await lateness(clock, 2.5)).toBeGreaterThanOrEqual(0);
      expect(warn).toHaveBeenCalledWith(
        'the RTP clock thread ended; the pacer runs on Node timers',
        'ClockThreadWarning',
      );
    } finally {
      warn.mockRestore();
      await clock.close();
    }
  });
});
