/**
 * Trunk groups end to end (issue 20): a campaign with two trunks, the worker process dialling
 * sipp through the telephony engine. The first trunk answering 503, or on a port where
 * nothing listens, fails over to the second within the same attempt, and the journal row
 * names both trunks with their answers; a first trunk answering 486 does not fail over; a
 * trunk failing again and again is held down by its circuit breaker (TRUNK_BREAKER_* of a
 * worker of the test's own) and shows so in `GET /trunks/{id}`; two campaigns on two workers
 * sharing a group keep each trunk within its own line limit.
 * sipp uas-route-by-number answers every number not ending in 1 or 2, and is busy (100, 486:
 * no ringing) for numbers ending in 1; uas-503 answers 100 and 503 with Retry-After.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { receivedRequests, type SippInstance } from '../../scripts/services/sipp';
import { call, createUser, login } from '../support/api';
import { gatewayTrunk, peakConcurrency, phoneList, toneMessage } from '../support/campaign-e2e';
import { closeTemporalClient, insertCampaign, startCampaign } from '../support/campaign-runs';
import { startExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { freePorts, readStack } from '../support/stack';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
const LIMITS = { maxConcurrentCalls: 5, maxCallsPerSecond: 20 };
let db: Pool;
let owner: { id: string; token: string };
let audioId: string;

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
  const user = await createUser();
  owner = { id: user.id, token: (await login(user.username, user.password)).access_token };
  audioId = await toneMessage(owner.token, 1);
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

/** Berlin numbers ending in `last` (sipp's route-by-number reads it). */
const numbers = (count: number, last: string): string[] =>
  Array.from({ length: count }, (_, i) => `+4930555${String(i).padStart(3, '0')}${last}`);

interface Row {
  phone_e164: string;
  outcome: string;
  sip_code: number | null;
  trunk_id: string | null;
  trunk_attempts: { trunkId: string; sipCode: number | null; reason: string }[] | null;
}

async function journal(campaignId: string): Promise<Row[]> {
  const { rows } = await db.query<Row>(
    `SELECT phone_e164, outcome, sip_code, trunk_id, trunk_attempts FROM call_record
     WHERE campaign_id = $1 ORDER BY invite_at`,
    [campaignId],
  );
  return rows;
}

/** A campaign over `phones` through the group `trunks`, one call at a time, run to its end on `taskQueue`. */
async function runGroup(trunks: readonly string[], phones: readonly string[], taskQueue?: string) {
  const contactListId = await phoneList(owner.token, phones);
  const campaign = await insertCampaign(db, {
    ownerId: owner.id,
    trunkId: trunks[0],
    audioId,
    contactListId,
    maxConcurrentCalls: 1,
    ringTimeoutSeconds: 2,
  });
  await db.query('UPDATE campaign SET fallback_trunk_ids = $2 WHERE id = $1', [campaign.id, trunks.slice(1)]);
  const handle = await startCampaign(campaign, taskQueue);
  expect(await handle.result()).toMatchObject({ status: 'completed' });
  return campaign.id;
}

const trunkOf = (sipp: Pick<SippInstance, 'port'>) => gatewayTrunk(owner.token, sipp, LIMITS);

test('a first trunk answering 503: every call completes on the second, both trunks in the journal row', async () => {
  const phones = numbers(3, '0');
  const failing = await gateway({ scenario: 'uas-503', calls: phones.length });
  const answering = await gateway({ scenario: 'uas-route-by-number', calls: phones.length });
  const [first, second] = [await trunkOf(failing), await trunkOf(answering)];
  const campaignId = await runGroup([first, second], phones);
  await expectSippExit(failing, 0);
  await expectSippExit(answering, 0);
  const rows = await journal(campaignId);
  expect(rows.map((r) => [r.outcome, r.sip_code, r.trunk_id])).toEqual(phones.map(() => ['answered', 200, second]));
  for (const row of rows) {
    expect(row.trunk_attempts).toEqual([
      { trunkId: first, sipCode: 503, reason: 'Service Unavailable' },
      { trunkId: second, sipCode: 200, reason: 'OK' },
    ]);
  }
  // The calls API shows the same; the first trunk counted its failures, below the threshold (5).
  const res = await call('GET', `/api/v1/calls?campaignId=${campaignId}`, { token: owner.token });
  const page = (await res.json()) as { items: { trunkId: string; trunkAttempts: unknown[] }[] };
  expect(page.items.map((c) => c.trunkAttempts.length)).toEqual([2, 2, 2]);
  const health = await trunkHealth(first);
  expect(health).toMatchObject({
    state: 'up',
    consecutiveFailures: 3,
    lastFailure: { reason: '503 Service Unavailable' },
  });
});

/**
 * A first trunk on a port where nothing listens, then one that answers: every call completes
 * on the second; the first attempt has no SIP answer and the `reason` that `deadReason` matches.
 */
async function deadFirstTrunk(transport: 'udp' | 'tcp', last: string, deadReason: RegExp): Promise<void> {
  const phones = numbers(2, last);
  const [deadPort] = await freePorts(1);
  const answering = await gateway({ scenario: 'uas-route-by-number', calls: phones.length });
  const dead = await gatewayTrunk(owner.token, { port: deadPort }, LIMITS, transport);
  const second = await trunkOf(answering);
  const campaignId = await runGroup([dead, second], phones);
  await expectSippExit(answering, 0);
  const rows = await journal(campaignId);
  expect(rows.map((r) => [r.outcome, r.trunk_id])).toEqual(phones.map(() => ['answered', second]));
  for (const row of rows) {
    expect(row.trunk_attempts).toEqual([
      { trunkId: dead, sipCode: null, reason: expect.stringMatching(deadReason) },
      { trunkId: second, sipCode: 200, reason: 'OK' },
    ]);
  }
}

test('a first UDP trunk where nothing listens (no answer at all) fails over at its ring timeout', () =>
  deadFirstTrunk('udp', '0', /^no response from the gateway before the ring timeout$/));

// A refused connection: at once, not after a wait for the ring timeout.
test('a first TCP trunk on a dead port is unreachable: the attempt fails over at once', () =>
  deadFirstTrunk('tcp', '0', /^(?!.*ring timeout)/));

test('a first trunk answering 486 does not fail over: busy is the callee’s answer', async () => {
  const phones = numbers(2, '1');
  const busy = await gateway({ scenario: 'uas-route-by-number', calls: phones.length });
  const spare = await gateway({ scenario: 'uas-answer', calls: 1, timeoutMs: 60_000 });
  const [first, second] = [await trunkOf(busy), await trunkOf(spare)];
  const campaignId = await runGroup([first, second], phones);
  await expectSippExit(busy, 0);
  const rows = await journal(campaignId);
  expect(rows.map((r) => [r.outcome, r.sip_code, r.trunk_id])).toEqual(phones.map(() => ['busy', 486, first]));
  for (const row of rows) expect(row.trunk_attempts).toEqual([{ trunkId: first, sipCode: 486, reason: 'Busy Here' }]);
  expect(receivedRequests(spare, 'INVITE')).toEqual([]);
  expect((await trunkHealth(first)).consecutiveFailures).toBe(0);
});

test('trunk limits hold across two campaigns and two workers with groups in play', async () => {
  const taskQueue = `failover-limits-${randomUUID()}`;
  const workers = await Promise.all([startExtraWorker(taskQueue), startExtraWorker(taskQueue)]);
  try {
    // Two trunks of 2 lines each, both answering; two campaigns of 8 contacts, each allowed 4
    // calls at once through the group [first, second]: the first trunk's 2 lines fill, the
    // overflow takes the second's, and neither ever carries more than its 2, whichever
    // worker or campaign placed the call.
    const limits = { maxConcurrentCalls: 2, maxCallsPerSecond: 20 };
    const [one, two] = [
      await gateway({ scenario: 'uas-answer', calls: 16, timeoutMs: 90_000 }),
      await gateway({ scenario: 'uas-answer', calls: 16, timeoutMs: 90_000 }),
    ];
    const first = await gatewayTrunk(owner.token, one, limits);
    const second = await gatewayTrunk(owner.token, two, limits);
    const campaigns = await Promise.all(
      ['4', '6'].map(async (last) => {
        const contactListId = await phoneList(owner.token, numbers(8, last));
        const campaign = await insertCampaign(db, {
          ownerId: owner.id,
          trunkId: first,
          audioId,
          contactListId,
          maxConcurrentCalls: 4,
          ringTimeoutSeconds: 5,
        });
        await db.query('UPDATE campaign SET fallback_trunk_ids = $2 WHERE id = $1', [campaign.id, [second]]);
        return campaign;
      }),
    );
    const handles = await Promise.all(campaigns.map((c) => startCampaign(c, taskQueue)));
    for (const handle of handles) expect(await handle.result()).toMatchObject({ status: 'completed' });
    const { rows } = await db.query<{ trunk_id: string; outcome: string; invite_at: Date; end_at: Date }>(
      'SELECT trunk_id, outcome, invite_at, end_at FROM call_record WHERE campaign_id = ANY($1)',
      [campaigns.map((c) => c.id)],
    );
    expect(rows).toHaveLength(16);
    expect(rows.every((r) => r.outcome === 'answered')).toBe(true);
    const onFirst = rows.filter((r) => r.trunk_id === first);
    const onSecond = rows.filter((r) => r.trunk_id === second);
    expect(onFirst.length + onSecond.length).toBe(16);
    expect(peakConcurrency(onFirst)).toBeLessThanOrEqual(2);
    expect(peakConcurrency(onSecond)).toBeLessThanOrEqual(2);
    // The overflow really went to the second trunk, and the lines were really shared.
    expect(onSecond.length).toBeGreaterThan(0);
    expect(peakConcurrency(rows)).toBeGreaterThan(2);
    expect(peakConcurrency(rows)).toBeLessThanOrEqual(4);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test('the circuit breaker holds a failing trunk down: later calls skip it, GET /trunks/{id} shows it', async () => {
  const taskQueue = `failover-${randomUUID()}`;
  const worker = await startExtraWorker(taskQueue, { TRUNK_BREAKER_FAILURES: '2', TRUNK_BREAKER_HOLD_SECONDS: '120' });
  try {
    const phones = numbers(4, '0');
    // Exactly two INVITEs reach the failing trunk: after them it is down.
    const failing = await gateway({ scenario: 'uas-503', calls: 2 });
    const answering = await gateway({ scenario: 'uas-route-by-number', calls: phones.length });
    const [first, second] = [await trunkOf(failing), await trunkOf(answering)];
    const campaignId = await runGroup([first, second], phones, taskQueue);
    await expectSippExit(failing, 0);
    await expectSippExit(answering, 0);
    const rows = await journal(campaignId);
    expect(rows.map((r) => r.outcome)).toEqual(phones.map(() => 'answered'));
    expect(rows.map((r) => r.trunk_attempts?.map((a) => a.trunkId))).toEqual([
      [first, second],
      [first, second],
      [second],
      [second],
    ]);
    const health = await trunkHealth(first);
    expect(health).toMatchObject({ state: 'down', consecutiveFailures: 2 });
    const heldFor = Date.parse(String(health.downUntil)) - Date.now();
    expect(heldFor).toBeGreaterThan(60_000);
    expect(heldFor).toBeLessThanOrEqual(120_000);
    expect((await trunkHealth(second)).state).toBe('up');

    // The hold over (moved into the past here), the next call half-opens the trunk; back at its
    // address, it answers: up again, its count reset, and the group's first choice once more.
    await db.query(`UPDATE trunk_health SET down_until = now() - interval '1 second' WHERE trunk_id = $1`, [first]);
    const back = await gateway({ scenario: 'uas-route-by-number', calls: 2, port: failing.port });
    const again = await runGroup([first, second], numbers(2, '0'), taskQueue);
    await expectSippExit(back, 0);
    const rowsAgain = await journal(again);
    expect(rowsAgain.map((r) => r.trunk_attempts?.map((a) => a.trunkId))).toEqual([[first], [first]]);
    expect(await trunkHealth(first)).toMatchObject({ state: 'up', consecutiveFailures: 0, downUntil: null });
  } finally {
    await worker.terminate();
  }
});

async function trunkHealth(trunkId: string): Promise<Record<string, unknown>> {
  const res = await call('GET', `/api/v1/trunks/${trunkId}`, { token: owner.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { health: Record<string, unknown> }).health;
}
