/**
 * Retry delays per outcome (issue 20). Through the API: the `retry` rules are stored, shown,
 * replaced by a PATCH on a draft, and refused with 422 naming the exact field. End to end: a
 * busy number (sipp uas-route-by-number, number ending 1: 486) retried after its own short
 * delay and capped by its own maxAttempts, a number that never answers (ending 2) after an
 * escalating list, with the worker stopped and a new one started in between; the journal's
 * invite times keep each delay, counted from the end of the attempt before.
 */
import { Pool } from 'pg';
import { call, expectProblem, problemFields } from '../support/api';
import { campaignBody as body, campaignParts, createCampaign, json, userToken } from '../support/campaigns';
import { contactsOf, gatewayTrunk, journalOf, phoneList, toneMessage } from '../support/campaign-e2e';
import { closeTemporalClient, insertCampaign, startCampaign, waitFor } from '../support/campaign-runs';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
let db: Pool;
const workers: ExtraWorker[] = [];

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.app.stop()));
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

const RULES = { busy: { delaySeconds: 300, maxAttempts: 5 }, no_answer: { delays: [1800, 3600, 7200] } };

describe('the retry rules through the API', () => {
  it('stores them, shows them and lets a PATCH replace or clear them on a draft', async () => {
    const { token } = await userToken();
    const campaign = await createCampaign(token, await campaignParts(token, 1), { maxAttempts: 5, retry: RULES });
    expect(campaign).toMatchObject({ retry: RULES, retryDelaySeconds: 600 });
    const path = `/api/v1/campaigns/${campaign.id}`;
    expect(await json(await call('GET', path, { token }), 200)).toMatchObject({ retry: RULES });
    const next = { unavailable: { delaySeconds: 30 }, failed: {} };
    expect(await json(await call('PATCH', path, { token, body: { retry: next } }), 200)).toMatchObject({ retry: next });
    expect((await json(await call('GET', path, { token }), 200)).retry).toEqual(next);
    expect(await json(await call('PATCH', path, { token, body: { retry: null } }), 200)).toMatchObject({ retry: null });
    const plain = await createCampaign(token, await campaignParts(token, 1));
    expect(plain.retry).toBeNull();
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a delay below 0', { busy: { delaySeconds: -1 } }, ['body.retry.busy.delaySeconds']],
    ['a fractional delay in a list', { no_answer: { delays: [60, 1.5] } }, ['body.retry.no_answer.delays[1]']],
    ['a delay above a week', { no_answer: { delays: [604_801] } }, ['body.retry.no_answer.delays[0]']],
    ['both delaySeconds and delays', { unavailable: { delaySeconds: 5, delays: [5] } }, ['body.retry.unavailable']],
    ['an attempt cap of 0', { failed: { maxAttempts: 0 } }, ['body.retry.failed.maxAttempts']],
  ])('refuses %s, naming the field', async (_label, retry, fields) => {
    const { token } = await userToken();
    const res = await call('POST', '/api/v1/campaigns', {
      token,
      body: body(await campaignParts(token, 1), { retry }),
    });
    expect(await problemFields(res)).toEqual(fields);
  });

  it.each(['answered', 'rejected', 'invalid_number', 'cancelled'])('refuses a rule for %s', async (outcome) => {
    const { token } = await userToken();
    const retry = { [outcome]: { delaySeconds: 60 } };
    const res = await call('POST', '/api/v1/campaigns', {
      token,
      body: body(await campaignParts(token, 1), { retry }),
    });
    // tsoa refuses the key as an excess property of `retry`.
    const problem = await expectProblem(res, 422, 'validation-error');
    expect(problem.errors).toEqual([
      { field: `body.retry.${outcome}`, message: expect.stringContaining(`"${outcome}"`) },
    ]);
  });
});

test('busy and unanswered numbers are retried after their own delays, across a worker restart', async () => {
  const busy = '+49305550001';
  const silent = '+49305550002';
  const owner = await userToken();
  // busy: 2 attempts (its own cap, under the campaign's 3), 2 s apart; no answer: 3 attempts, 3 s then 6 s after.
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 5, timeoutMs: 90_000 });
  const campaign = await insertCampaign(db, {
    ownerId: owner.id,
    trunkId: await gatewayTrunk(owner.token, sipp, { maxConcurrentCalls: 5, maxCallsPerSecond: 20 }),
    audioId: await toneMessage(owner.token, 1),
    contactListId: await phoneList(owner.token, [busy, silent]),
    maxAttempts: 3,
    retryDelaySeconds: 600,
    ringTimeoutSeconds: 2,
    record: false,
  });
  const rules = { busy: { delaySeconds: 2, maxAttempts: 2 }, no_answer: { delays: [3, 6] } };
  await db.query('UPDATE campaign SET retry_by_outcome = $2 WHERE id = $1', [campaign.id, JSON.stringify(rules)]);
  const taskQueue = `campaign-retry-${campaign.id}`;
  workers.push(await startExtraWorker(taskQueue));
  const handle = await startCampaign(campaign, taskQueue);
  await waitFor('the first attempt of each number journalled', async () => {
    return (await journalOf(db, [campaign.id])).length >= 2;
  });
  // Stopped while both retries are due in the future; a new worker takes the campaign on.
  await workers[0].terminate();
  const waiting = await db.query<{ next_attempt_at: Date }>(
    `SELECT next_attempt_at FROM campaign_contact WHERE campaign_id = $1 AND state = 'waiting'`,
    [campaign.id],
  );
  expect(waiting.rows.length).toBeGreaterThanOrEqual(1);
  workers.push(await startExtraWorker(taskQueue));
  expect(await handle.result()).toMatchObject({ status: 'completed' });
  await expectSippExit(sipp, 0, 60_000);

  const rows = await journalOf(db, [campaign.id]);
  const of = (phone: string) => rows.filter((r) => r.phone_e164 === phone);
  expect(of(busy).map((r) => r.outcome)).toEqual(['busy', 'busy']);
  expect(of(silent).map((r) => r.outcome)).toEqual(['no_answer', 'no_answer', 'no_answer']);
  // Each retry went out no sooner than its delay after the attempt before ended, and long
  // before the campaign's default of 600 s.
  const gaps = (phone: string) =>
    of(phone)
      .slice(1)
      .map((r, i) => r.invite_at.getTime() - of(phone)[i].end_at.getTime());
  const [busyGap] = gaps(busy);
  expect(busyGap).toBeGreaterThanOrEqual(2000);
  expect(busyGap).toBeLessThan(60_000);
  const [first, second] = gaps(silent);
  expect(first).toBeGreaterThanOrEqual(3000);
  expect(second).toBeGreaterThanOrEqual(6000);
  expect(second).toBeLessThan(60_000);
  expect((await contactsOf(db, campaign.id)).map((c) => [c.phone_e164, c.attempts, c.final_outcome])).toEqual([
    [busy, 2, 'busy'],
    [silent, 3, 'no_answer'],
  ]);
});
