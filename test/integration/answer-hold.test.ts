/**
 * The ACK waits for the caller's `onAnswering` (the journal's answer row): sip.js would ACK
 * a 2xx before anyone hears of it, so a worker killed in between would leave a call the
 * callee took that the journal never knew, and the retry would call them again. Against a
 * real sipp gateway: the answered event (after the ACK) never comes before the hook is done,
 * a failing hook does not stop the call, and a hook that hangs holds the ACK only
 * ANSWER_HOLD_MS.
 */
import { ANSWER_HOLD_MS, type CallEvent } from '../../telephony/call-types.js';
import { TelephonyEngine } from '../../telephony/engine.js';
import { sineWave } from '../../telephony/media/tone.js';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { engineTrunk } from '../support/sip-calls';

const gateway = sippGateways({ transport: 'udp', ringMs: 100, timeoutMs: 30_000 });
let engine: TelephonyEngine;

beforeAll(() => {
  engine = new TelephonyEngine({ bindAddress: '127.0.0.1', rtpPorts: { min: 40000, max: 40499 } });
});
afterAll(() => engine.close());

async function place(onAnswering: (at: Date) => Promise<void>) {
  const sipp = await gateway({ scenario: 'uas-answer' });
  const events: { type: string; at: number }[] = [];
  const result = await engine.dial({
    trunk: engineTrunk(sipp.port),
    destination: '+4930123456',
    audio: sineWave({ frequency: 1000, durationMs: 500 }),
    ringTimeoutMs: 10_000,
    maxCallMs: 10_000,
    record: false,
    onAnswering,
    onEvent: (event: CallEvent) => events.push({ type: event.type, at: Date.now() }),
  });
  await expectSippExit(sipp, 0);
  return { result, answeredAt: events.find((e) => e.type === 'answered')!.at };
}

test('the ACK (and the answered event) wait for the journal hook', async () => {
  let started = 0;
  let done = 0;
  let given: Date | undefined;
  const { result, answeredAt } = await place(async (at) => {
    started = Date.now();
    given = at;
    await new Promise((resolve) => setTimeout(resolve, 250));
    done = Date.now();
  });
  expect(result).toMatchObject({ outcome: 'answered', endReason: 'message played' });
  expect(answeredAt).toBeGreaterThanOrEqual(done);
  expect(done - started).toBeGreaterThanOrEqual(240);
  // The hook's time is the call's answer time: the journal row and the result agree.
  expect(result.times.answer).toEqual(given);
});

test('a hook that fails does not stop the call', async () => {
  const { result } = await place(() => Promise.reject(new Error('database away')));
  expect(result).toMatchObject({ outcome: 'answered', endReason: 'message played' });
});

test(`a hook that hangs holds the ACK ${ANSWER_HOLD_MS} ms, no longer`, async () => {
  let started = 0;
  const { result, answeredAt } = await place(() => {
    started = Date.now();
    return new Promise<void>(() => undefined);
  });
  expect(result).toMatchObject({ outcome: 'answered', endReason: 'message played' });
  expect(answeredAt - started).toBeGreaterThanOrEqual(ANSWER_HOLD_MS - 10);
  // Without the cap the ACK would wait for the hook for ever and the call would never be
  // answered. The margin is for a loaded CI host, whose event loop was seen 700 ms late: a
  // bound that tells the cap from the call's own limits (10 s), not a speed target.
  expect(answeredAt - started).toBeLessThan(ANSWER_HOLD_MS + 2500);
});
