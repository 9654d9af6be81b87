/**
 * Faults change timing, never results: a recorded campaign on a restartable private stack of
 * its own (scripts/services/stack-control.ts) while PostgreSQL, Temporal and MinIO are
 * really stopped and started again, through `make bench-faults`'s own run (bench/faults-bench.ts)
 * at a size for the test suite. The gateway answers every call and logs every INVITE with its
 * number: every contact final and INVITEd once, no answered contact called again, every
 * answered call's recording stored and downloadable and its `call.completed` webhook delivered,
 * no failed or lost rows, nothing died.
 */
import { runFaultBench, type FaultOptions } from '../../bench/faults-bench';

jest.setTimeout(15 * 60_000);

const base: FaultOptions = {
  contacts: 80,
  concurrency: 8,
  messageMs: 3000,
  outageMs: 20_000,
  gapMs: 5000,
  faults: ['postgres', 'temporal', 'minio'],
  crash: false,
  settleMs: 180_000,
  deadlineMs: 10 * 60_000,
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

test('PostgreSQL gone for 2 minutes (the 10-minute outage of make bench-faults, scaled): the campaign waits and completes', async () => {
  const report = await runFaultBench({ ...base, contacts: 40, faults: ['postgres'], outageMs: 120_000 }, false);
  expect(report.faults).toMatchObject(clean);
  expect(report.crashed).toEqual([]);
});

test('MinIO gone for 2 minutes from before the start (no worker has the message yet): no attempt used up, all placed once', async () => {
  const report = await runFaultBench(
    { ...base, contacts: 24, faults: ['minio'], outageMs: 120_000, firstBeforeStart: true },
    false,
  );
  expect(report.faults).toMatchObject(clean);
  expect(report.crashed).toEqual([]);
});
