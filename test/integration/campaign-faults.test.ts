/**
 * Faults change timing, never results: a recorded campaign on a restartable private stack of
 * its own (scripts/services/stack-control.ts) while PostgreSQL, Temporal and MinIO are
 * really stopped and started again, through `make bench-faults`'s own run (bench/faults-bench.ts)
 * at a size for the test suite. The gateway answers every call and logs every INVITE with its
 * number: every contact final and INVITEd once, no answered contact called again, every
 * answered call's recording stored and downloadable and its `call.completed` webhook delivered,
 * no failed or lost rows, nothing died.
 *
 * The long outages run with the call activity's back-off scaled down (CAMPAIGN_CALL_RETRY_*:
 * 0.5 s doubling to 2 s, 10 tries in ~16 s instead of ~2 minutes), so that an outage of
 * 45–75 s outlasts it as the 10-minute outage of `make bench-faults` outlasts the full one
 * (an attempt given back then waits 5 s, CAMPAIGN_INFRA_RETRY_SECONDS, not 30 s);
 * 75 s also outlasts the fixed minute of the bookkeeping local activities' start-to-close.
 */
import { runFaultBench, type FaultOptions } from '../../bench/faults-bench';

jest.setTimeout(15 * 60_000);

const base: FaultOptions = {
  contacts: 80,
  concurrency: 8,
  messageMs: 2000, // make bench-faults's own; 8 calls stay in flight, so every stop meets live calls
  outageMs: 20_000,
  gapMs: 5000,
  faults: ['postgres', 'temporal', 'minio'],
  crash: false,
  settleMs: 180_000,
  deadlineMs: 10 * 60_000,
  // Recordings and webhook deliveries held up by an outage go through within seconds of its end,
  // not a grown back-off later (recordings 5 s doubling, webhooks 10 s doubling: 40 s and 80 s
  // after a 20 s outage); recording-durability and webhook-deliveries prove the back-offs.
  stackEnv: {
    RECORDING_UPLOAD_RETRY_INITIAL_SECONDS: '0.5',
    RECORDING_UPLOAD_RETRY_MAX_INTERVAL_SECONDS: '2',
    WEBHOOK_RETRY_INITIAL_SECONDS: '1',
    WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: '4',
  },
};

/**
 * The call activity's back-off, scaled down: 0.5, 1, 2, 2 … s, ~16 s over its 10 tries; an
 * attempt it gives back waits 5 s instead of 30 s (still 3 or fewer of its 10 give-backs in 45 s).
 */
const quickCallRetry = {
  ...base.stackEnv,
  CAMPAIGN_CALL_RETRY_INITIAL_SECONDS: '0.5',
  CAMPAIGN_CALL_RETRY_MAX_INTERVAL_SECONDS: '2',
  CAMPAIGN_INFRA_RETRY_SECONDS: '5',
};

const clean = {
  completed: true,
  lost: 0,
  doubleDials: 0,
  recordingsMissing: 0,
  webhooksMissing: 0,
  failedOrLostRows: 0,
};

test('PostgreSQL, Temporal and MinIO each stopped for 20 s during live recorded calls: nothing lost or dialled twice', async () => {
  const report = await runFaultBench(base, false);
  expect(report.faults).toMatchObject(clean);
  expect(report.crashed).toEqual([]);
});

test('PostgreSQL gone for 75 s, past the minute-long timeouts and the scaled call back-off (make bench-faults: 10 minutes): the campaign waits and completes', async () => {
  const report = await runFaultBench(
    { ...base, contacts: 40, faults: ['postgres'], outageMs: 75_000, stackEnv: quickCallRetry },
    false,
  );
  expect(report.faults).toMatchObject(clean);
  expect(report.crashed).toEqual([]);
});

test('MinIO gone for 45 s from before the start, beyond the scaled call back-off (no worker has the message yet): no attempt used up, all placed once', async () => {
  const report = await runFaultBench(
    { ...base, contacts: 24, faults: ['minio'], outageMs: 45_000, firstBeforeStart: true, stackEnv: quickCallRetry },
    false,
  );
  expect(report.faults).toMatchObject(clean);
  expect(report.crashed).toEqual([]);
  // The outage outlasted the call activity's tries: attempts were given back, not used up.
  expect(report.attemptsGivenBack).toBeGreaterThanOrEqual(base.concurrency);
});
