/**
 * Claims are never lost: a claim repeated under its key returns what it took, a new run of a
 * campaign's workflow adopts what an earlier run left in flight and dials it (once), the
 * reconciler restarts a campaign whose workflow is gone, and an attempt that failed on
 * infrastructure before any INVITE left costs the contact no attempt. Real PostgreSQL,
 * Temporal and a sipp gateway; sipp's exit status proves the number of calls.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Pool } from 'pg';
import { createCampaignActivities, MAX_INFRA_FAILURES } from '../../activities/campaign.activities';
import { CampaignReconciler } from '../../api/campaigns/campaign-reconciler';
import { CampaignWorkflows } from '../../api/campaigns/campaign-workflows';
import { createLogger } from '../../lib/logger';
import { receivedRequests, type SippInstance } from '../../scripts/services/sipp';
import type { ClaimedAttempt, ClaimRequest, ClaimResult } from '../../campaign/campaign-types';
import { campaignWorkflow, type CampaignWorkflow } from '../../workflows/definitions';
import { createUser, login } from '../support/api';
import { contactsOf, gatewayTrunk, phoneList, toneMessage } from '../support/campaign-e2e';
import {
  closeTemporalClient,
  insertCampaign,
  startCampaign,
  temporalClient,
  waitFor,
  type CampaignSpec,
} from '../support/campaign-runs';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { startExtraWorker } from '../support/extra-worker';
import { readStack } from '../support/stack';
import { activityDeps } from '../support/temporal';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
let db: Pool;
let owner: { id: string; token: string };
let deps: ReturnType<typeof activityDeps>;
let activities: ReturnType<typeof createCampaignActivities>;

beforeAll(async () => {
  deps = activityDeps();
  activities = createCampaignActivities(deps.deps);
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
  const user = await createUser();
  owner = { id: user.id, token: (await login(user.username, user.password)).access_token };
});

afterAll(async () => {
  await closeTemporalClient();
  await deps?.close();
  await db?.end();
});

/** Berlin numbers that the gateway answers (last digit 0), playing its pcap until our BYE. */
const answering = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `+49301239${String(i).padStart(2, '0')}0`);

/** A campaign (one attempt, no recording unless `spec` says) to the gateway on `port`, made through the API. */
async function campaignTo(port: number, phones: readonly string[], audioSeconds: number, spec: Partial<CampaignSpec>) {
  const [trunkId, audioId, contactListId] = await Promise.all([
    gatewayTrunk(owner.token, { port }, { maxConcurrentCalls: 10, maxCallsPerSecond: 20 }),
    toneMessage(owner.token, audioSeconds),
    phoneList(owner.token, phones),
  ]);
  return insertCampaign(db, {
    ownerId: owner.id,
    trunkId,
    audioId,
    contactListId,
    maxAttempts: 1,
    record: false,
    ...spec,
  });
}

async function setUp(phones: readonly string[], audioSeconds: number, maxConcurrentCalls: number) {
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 90_000 });
  return { sipp, campaign: await campaignTo(sipp.port, phones, audioSeconds, { maxConcurrentCalls }) };
}

const claim = (request: Omit<ClaimRequest, 'adopt'> & { adopt?: boolean }): Promise<ClaimResult> =>
  new MockActivityEnvironment().run((input: ClaimRequest) => activities.claimDueAttempts(input), {
    adopt: false,
    ...request,
  });

interface Row {
  phone_e164: string;
  attempt_id: string;
  outcome: string;
  end_reason: string;
}

async function journal(campaignId: string): Promise<Row[]> {
  const { rows } = await db.query<Row>(
    'SELECT phone_e164, attempt_id, outcome, end_reason FROM call_record WHERE campaign_id = $1 ORDER BY phone_e164',
    [campaignId],
  );
  return rows;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to 5 s) until a claim's UPDATE waits for a lock on campaign_contact; false when none came. */
async function claimWaiting(finished: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !finished()) {
    const { rows } = await db.query(
      `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%claim_key = $%'`,
    );
    if (rows.length > 0) return true;
    await sleep(20);
  }
  return false;
}

/** One INVITE per number at sipp, and every number called. */
function expectOneInviteEach(sipp: SippInstance, phones: readonly string[]): void {
  const invites = receivedRequests(sipp, 'INVITE').map((m) => /^INVITE sip:([^@]+)@/.exec(m.startLine)?.[1]);
  expect(invites.sort()).toEqual([...phones].sort());
}

test('a claim repeated under its key returns the same contacts, and a new run adopts and dials them once', async () => {
  const phones = answering(3);
  const { sipp, campaign } = await setUp(phones, 1, 3);
  // A claim whose result never reached the workflow (its workflow task failed after the
  // claim committed), repeated: the same contacts, no second batch.
  const key = `lost-run:${randomUUID()}:1`;
  const first = await claim({ campaignId: campaign.id, limit: 2, claimKey: key });
  expect(first.attempts).toHaveLength(2);
  expect(await claim({ campaignId: campaign.id, limit: 2, claimKey: key })).toEqual(first);
  const inFlight = (await contactsOf(db, campaign.id)).filter((c) => c.state === 'in_flight');
  expect(inFlight).toHaveLength(2);

  // The campaign's workflow (another run) adopts both as the attempts they were, and claims the third.
  const handle = await startCampaign(campaign);
  expect(await handle.result()).toMatchObject({ status: 'completed', callsStarted: 3 });
  await expectSippExit(sipp, 0);
  expectOneInviteEach(sipp, phones);
  const rows = await journal(campaign.id);
  expect(rows.map((r) => r.outcome)).toEqual(['answered', 'answered', 'answered']);
  const adopted = first.attempts.map((a: ClaimedAttempt) => a.attemptId);
  expect(rows.filter((r) => adopted.includes(r.attempt_id))).toHaveLength(2);
  expect((await contactsOf(db, campaign.id)).map((c) => [c.state, c.attempts])).toEqual([
    ['done', 1],
    ['done', 1],
    ['done', 1],
  ]);
});

test('the reconciler restarts a campaign whose workflow was terminated mid-call: live calls play on, nothing lost or redialled', async () => {
  const phones = answering(4);
  // Long enough that the live calls heartbeat after the termination (every 4 s at least).
  const { sipp, campaign } = await setUp(phones, 9, 2);
  const temporal = await temporalClient();
  const handle = await startCampaign(campaign);
  await waitFor(
    'two calls live',
    async () =>
      (
        await db.query(`SELECT 1 FROM call_record WHERE campaign_id = $1 AND end_reason = 'call in progress'`, [
          campaign.id,
        ])
      ).rowCount === 2,
  );
  await handle.terminate('lost for the test');
  const logger = createLogger({ level: 'silent', name: 'reconciler-test' });
  const reconciler = new CampaignReconciler(
    db,
    new CampaignWorkflows(temporal, readStack().temporal.taskQueue, logger),
    logger,
  );
  const report = await reconciler.reconcileOnce();
  expect(report.restarted).toContain(campaign.id);
  // A second pass finds it running: nothing to do.
  expect((await reconciler.reconcileOnce()).restarted).not.toContain(campaign.id);

  const restarted = temporal.workflow.getHandle(`campaign-${campaign.id}`);
  expect(await restarted.result()).toMatchObject({ status: 'completed' });
  await expectSippExit(sipp, 0);
  expectOneInviteEach(sipp, phones);
  const rows = await journal(campaign.id);
  // The calls live at the termination were not hung up by it: they played to the end.
  expect(rows.map((r) => [r.outcome, r.end_reason])).toEqual(phones.map(() => ['answered', 'message played']));
  // …although their activities heard from Temporal that they were gone.
  const workerLog = readFileSync(join(readStack().logsDir, 'worker.log'), 'utf8');
  expect(workerLog).toContain('Temporal lost track of the call activity; the call goes on and is journalled');
  const { rows: status } = await db.query<{ status: string }>('SELECT status FROM campaign WHERE id = $1', [
    campaign.id,
  ]);
  expect(status[0]?.status).toBe('completed');
});

test('workflow tasks that time out during claims (the worker stalled): every contact dialled exactly once', async () => {
  const phones = answering(24);
  const { sipp, campaign } = await setUp(phones, 1, 4);
  const taskQueue = `campaign-stall-${campaign.id}`;
  const worker = await startExtraWorker(taskQueue);
  try {
    const temporal = await temporalClient();
    // A short workflow task timeout, and a worker frozen for longer than it again and again: a
    // claim that committed while its task timed out runs again on replay, under the same key.
    const handle = await temporal.workflow.start<CampaignWorkflow>(campaignWorkflow, {
      workflowId: `campaign-${campaign.id}`,
      taskQueue,
      args: [campaign.input],
      workflowTaskTimeout: '1 second',
      searchAttributes: { CampaignId: [campaign.id], OwnerId: [owner.id], CampaignStatus: ['running'] },
    });
    let done = false;
    const result = handle.result().finally(() => (done = true));
    // Catch a claim in the act: hold writes to campaign_contact until a claim's UPDATE waits
    // for them, freeze the worker for longer than the task timeout, then let both go. The
    // claim commits, but its workflow task has timed out: on replay the claim runs again.
    let stalls = 0;
    while (!done && stalls < 3) {
      const lock = await db.connect();
      let frozen = false;
      try {
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE campaign_contact IN EXCLUSIVE MODE');
        const claiming = await claimWaiting(() => done);
        if (claiming) {
          process.kill(worker.app.process.pid, 'SIGSTOP');
          frozen = true;
          await sleep(1500);
        }
      } finally {
        await lock.query('COMMIT');
        lock.release();
        if (frozen) {
          await sleep(100);
          process.kill(worker.app.process.pid, 'SIGCONT');
          stalls += 1;
        }
      }
      await sleep(500);
    }
    expect(stalls).toBeGreaterThan(0);
    // A claim lost to a timed-out task would leave its contacts in flight and the campaign waiting.
    const outcome = await Promise.race([result, sleep(80_000).then(() => 'not completed')]);
    if (outcome === 'not completed') {
      const states = (await contactsOf(db, campaign.id)).map((c) => `${c.phone_e164} ${c.state}`);
      throw new Error(`campaign not completed in 80 s:\n${states.join('\n')}`);
    }
    expect(outcome).toMatchObject({ status: 'completed', callsStarted: phones.length });
    // The fault really happened: workflow tasks timed out (24 calls take one run).
    const history = await handle.fetchHistory();
    expect((history.events ?? []).filter((e) => e.workflowTaskTimedOutEventAttributes).length).toBeGreaterThan(0);
  } finally {
    process.kill(worker.app.process.pid, 'SIGCONT');
    await worker.app.stop();
  }
  await expectSippExit(sipp, 0);
  expectOneInviteEach(sipp, phones);
  expect((await journal(campaign.id)).map((r) => r.outcome)).toEqual(phones.map(() => 'answered'));
});

test('a trunk unreachable for a while: its calls end unavailable and are retried per policy until it is back', async () => {
  const phones = answering(2);
  const first = await gateway({ scenario: 'uas-route-by-number', calls: 1, timeoutMs: 90_000 });
  const port = first.port;
  await first.stop(); // the gateway's address, with nobody answering there
  const campaign = await campaignTo(port, phones, 1, {
    maxConcurrentCalls: 2,
    maxAttempts: 3,
    retryDelaySeconds: 38,
    ringTimeoutSeconds: 2,
  });
  const handle = await startCampaign(campaign);
  // Back between two attempts, once the first INVITEs' transactions have ended (Timer B, 32 s):
  // an INVITE still retransmitted would reach it, and a CANCEL would follow its 100.
  await waitFor(
    'an unavailable attempt of each contact, 33 s old',
    async () => {
      const { rows } = await db.query<{ state: string; age: number }>(
        `SELECT c.state, (SELECT extract(epoch FROM now() - max(r.invite_at))::float8 FROM call_record r
           WHERE r.campaign_contact_id = c.id AND r.outcome = 'unavailable') AS age
         FROM campaign_contact c WHERE c.campaign_id = $1`,
        [campaign.id],
      );
      return rows.every((r) => r.state === 'waiting' && r.age > 33);
    },
    60_000,
  );
  const back = await gateway({ scenario: 'uas-route-by-number', calls: 2, timeoutMs: 90_000, port });
  expect(await handle.result()).toMatchObject({ status: 'completed' });
  await expectSippExit(back, 0);
  expectOneInviteEach(back, phones);
  for (const phone of phones) {
    const { rows } = await db.query<{ outcome: string }>(
      'SELECT outcome FROM call_record WHERE campaign_id = $1 AND phone_e164 = $2 ORDER BY attempt',
      [campaign.id, phone],
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.at(-1)?.outcome).toBe('answered');
    expect(rows.slice(0, -1).every((r) => r.outcome === 'unavailable')).toBe(true);
  }
  expect((await contactsOf(db, campaign.id)).map((c) => [c.state, c.final_outcome])).toEqual([
    ['done', 'answered'],
    ['done', 'answered'],
  ]);
});

test('an attempt that failed on infrastructure before any INVITE uses up no attempt, up to a bound', async () => {
  const phones = answering(2);
  const { campaign } = await setUp(phones, 1, 2); // no call is placed: sipp is stopped after the test
  const release = (attempt: ClaimedAttempt) =>
    new MockActivityEnvironment().run(
      (input: { campaignId: string; attempt: ClaimedAttempt; reason: string }) => activities.releaseAttempt(input),
      { campaignId: campaign.id, attempt, reason: 'storage unavailable' },
    );
  const reclaim = async () => {
    // The contact waits INFRA_RETRY_SECONDS: make it due now, as the clock would.
    await db.query(`UPDATE campaign_contact SET next_attempt_at = now() WHERE campaign_id = $1`, [campaign.id]);
    return (await claim({ campaignId: campaign.id, limit: 1, claimKey: `run:${randomUUID()}:1` })).attempts[0];
  };
  const first = await reclaim();
  expect(first).toMatchObject({ attempt: 1 });
  let attempt = first;
  for (let failure = 1; failure < MAX_INFRA_FAILURES; failure += 1) {
    expect(await release(attempt)).toMatchObject({ outcome: 'deferred' });
    attempt = await reclaim();
    // The same attempt each time: the failures gave it back.
    expect(attempt).toEqual(first);
  }
  expect(await journal(campaign.id)).toEqual([]);
  // The bound: a fault that never clears ends the contact as failed, journalled.
  expect(await release(attempt)).toMatchObject({ outcome: 'failed', retryAt: null });
  expect((await journal(campaign.id)).map((r) => [r.attempt_id, r.outcome])).toEqual([[first.attemptId, 'failed']]);

  // An attempt whose dial was reserved (an INVITE may have left) is journalled at once.
  const other = (await claim({ campaignId: campaign.id, limit: 1, claimKey: `run:${randomUUID()}:1` })).attempts[0];
  await db.query(
    `INSERT INTO dial_ledger (owner_id, phone_e164, attempt_id, dialled_at)
     SELECT $1, phone_e164, $3, now() FROM campaign_contact WHERE id = $2`,
    [owner.id, other.campaignContactId, other.attemptId],
  );
  expect(await release(other)).toMatchObject({ outcome: 'failed' });
});
