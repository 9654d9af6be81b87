import type { AttemptResult } from './call-journal';
import { OPT_OUT_WRITE_WAIT_MS, OptOutWatch } from './opt-out';

const answered: AttemptResult = {
  outcome: 'answered',
  endReason: 'aborted',
  hungUpBy: 'us',
  times: { invite: new Date(0), answer: new Date(1000), end: new Date(3000) },
  dtmf: [],
};

/** A write the test finishes when it likes, with the order of events around it. */
function controlledWrite(events: string[]) {
  let finish!: (err?: Error) => void;
  const record = jest.fn(
    () =>
      new Promise<void>((resolve, reject) => {
        events.push('write started');
        finish = (err) => (err ? reject(err) : resolve());
      }),
  );
  return { record, finish: (err?: Error) => finish(err) };
}

describe('opt-out watch', () => {
  it('ignores other keys and a campaign without an opt-out key', async () => {
    const record = jest.fn(() => Promise.resolve());
    const watch = new OptOutWatch('#', record);
    watch.press('1', undefined);
    watch.press('5', undefined);
    await watch.settled();
    expect([watch.optedOut, watch.signal.aborted, record.mock.calls.length]).toEqual([false, false, 0]);
    const none = new OptOutWatch(null, record);
    none.press('#', undefined);
    expect([none.optedOut, none.signal.aborted, record.mock.calls.length]).toEqual([false, false, 0]);
    expect(watch.describe(answered)).toBe(answered);
  });

  it('writes the entry after the answer row, then hangs up; once, however often the key is pressed', async () => {
    const events: string[] = [];
    const write = controlledWrite(events);
    const watch = new OptOutWatch('#', write.record);
    watch.signal.addEventListener('abort', () => events.push('hung up'));
    let answerWritten!: () => void;
    const answerWrite = new Promise<void>((resolve) => (answerWritten = resolve)).then(() => {
      events.push('answer written');
    });
    watch.press('#', answerWrite);
    watch.press('#', answerWrite);
    expect(watch.optedOut).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]); // the entry names the answer's row: it waits for it
    answerWritten();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['answer written', 'write started']);
    write.finish();
    await watch.settled();
    expect(events).toEqual(['answer written', 'write started', 'hung up']);
    expect(write.record).toHaveBeenCalledTimes(1);
    expect(watch.describe(answered)).toEqual({ ...answered, endReason: 'opted out (DTMF #)' });
    // The callee hung up first: that stays the reason (the opt-out is still recorded).
    const theirs = { ...answered, hungUpBy: 'them' as const, endReason: 'remote hang-up' };
    expect(watch.describe(theirs)).toBe(theirs);
  });

  it('hangs up also when the write fails or the answer row could not be written', async () => {
    const failing = controlledWrite([]);
    const watch = new OptOutWatch('5', failing.record);
    watch.press('5', Promise.reject(new Error('answer row lost')));
    await new Promise((r) => setImmediate(r));
    expect(failing.record).toHaveBeenCalledTimes(1);
    failing.finish(new Error('database down'));
    await watch.settled();
    expect(watch.signal.aborted).toBe(true);
  });

  it('does not wait for a database that does not answer before hanging up', async () => {
    jest.useFakeTimers();
    try {
      const stuck = controlledWrite([]);
      const watch = new OptOutWatch('*', stuck.record);
      watch.press('*', undefined);
      await jest.advanceTimersByTimeAsync(OPT_OUT_WRITE_WAIT_MS - 1);
      expect(watch.signal.aborted).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(watch.signal.aborted).toBe(true);
      stuck.finish();
      await watch.settled();
    } finally {
      jest.useRealTimers();
    }
  });
});
