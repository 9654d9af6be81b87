/**
 * Issue 23: the worker counts where its campaign calls' time goes, step by step
 * (lib/step-times.ts), and serves the sums on its /metrics, which `make bench-campaign` turns
 * into a cost per call. Three real calls through a worker of the test's own against a sipp
 * gateway that answers and waits for our BYE, recorded: every step a call goes through shows
 * up as often as it ran, and the SIP step holds at least the message's length per call.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { freePort } from '../../scripts/services/ports';
import { scrapeSteps, type StepSample } from '../../bench/step-costs';
import { createUser, login } from '../support/api';
import { gatewayTrunk, journalOf, phoneList, resultsOf, toneMessage } from '../support/campaign-e2e';
import { closeTemporalClient, insertCampaign, startCampaign } from '../support/campaign-runs';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(180_000);

const gateway = sippGateways({ transport: 'udp' });
const CALLS = 3;
const MESSAGE_SECONDS = 1;
let db: Pool;
let worker: ExtraWorker | undefined;
let metricsPort: number;

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  metricsPort = await freePort();
});

afterAll(async () => {
  await worker?.terminate();
  await closeTemporalClient();
  await db?.end();
});

/** The worker's step counters now, read as the bench reads them. */
const steps = (): Promise<StepSample> => scrapeSteps(`http://127.0.0.1:${metricsPort}/metrics`);

test('every step of three recorded calls is counted on the worker’s /metrics', async () => {
  const taskQueue = `steps-${randomUUID()}`;
  worker = await startExtraWorker(taskQueue, { WORKER_METRICS_PORT: String(metricsPort) });
  const idle = await steps();
  // A worker that placed no call has every step at zero.
  expect(Object.values(idle).every((s) => s.runs === 0 && s.seconds === 0)).toBe(true);

  const user = await createUser();
  const token = (await login(user.username, user.password)).access_token;
  const salt = 10_000 + Math.floor(Math.random() * 80_000);
  const phones = Array.from({ length: CALLS }, (_, i) => `+4930${salt}${i}`);
  const sipp = await gateway({ scenario: 'uas-answer', calls: CALLS });
  const [trunkId, audioId, contactListId] = await Promise.all([
    gatewayTrunk(token, sipp, { maxConcurrentCalls: 5, maxCallsPerSecond: 20 }),
    toneMessage(token, MESSAGE_SECONDS),
    phoneList(token, phones),
  ]);
  const campaign = await insertCampaign(db, { ownerId: user.id, trunkId, audioId, contactListId, record: true });
  const handle = await startCampaign(campaign, taskQueue);
  const [result] = await resultsOf(db, [{ handle, campaignId: campaign.id }], sipp, 120_000);
  expect(result.status).toBe('completed');
  await expectSippExit(sipp, 0, 30_000);
  const rows = await journalOf(db, [campaign.id]);
  expect(rows.map((r) => r.outcome)).toEqual(phones.map(() => 'answered'));

  const after = await steps();
  const runs = Object.fromEntries(Object.entries(after).map(([step, s]) => [step, s.runs]));
  // Once per call: the SIP call, the dial ledger's transaction, the recording's spool write.
  expect(runs.sip).toBe(CALLS);
  expect(runs.ledger).toBe(CALLS);
  expect(runs.upload).toBe(CALLS);
  // Per call: the answer's row before the ACK and the attempt's row at the end.
  expect(runs.journal).toBe(2 * CALLS);
  // The trunk line taken and given back; the admit stage before the line and again before the INVITE.
  expect(runs.leases).toBe(2 * CALLS);
  expect(runs.admit).toBe(2 * CALLS);
  expect(runs.setup).toBe(2 * CALLS);
  expect(runs.webhooks).toBe(CALLS);
  expect(runs.pacing).toBeGreaterThanOrEqual(CALLS);
  expect(runs.claim).toBeGreaterThanOrEqual(1);
  // Each call played its message whole before our BYE.
  expect(after.sip.seconds).toBeGreaterThanOrEqual(CALLS * MESSAGE_SECONDS);
  for (const step of ['claim', 'setup', 'leases', 'ledger', 'journal'] as const) {
    expect([step, after[step].seconds > 0]).toEqual([step, true]);
  }
});
