/**
 * Priorities and weights in trunk groups (issue 20, campaign/trunk-shares.ts): `trunks`
 * through the API (stored in priority order, shown with every trunk's share, refused with
 * 422 naming the field), and 100 calls shared 3:1 between two sipp trunks of one priority,
 * exactly, as the journal and the INVITEs sipp received show (sipp uas-486 answers every
 * INVITE with 486 at once: a deliberate answer, so no call fails over and each is short);
 * and a weighted trunk answering 503 failing over to the other trunk of its priority, even
 * one listed before it.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { receivedRequests } from '../../scripts/services/sipp';
import { call, createUser, login, problemFields } from '../support/api';
import { gatewayTrunk, phoneList, toneMessage } from '../support/campaign-e2e';
import { closeTemporalClient, insertCampaign, startCampaign } from '../support/campaign-runs';
import {
  campaignBody as body,
  campaignParts,
  json,
  refusedTrunkFields,
  userToken,
  type CampaignBody as Campaign,
} from '../support/campaigns';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(180_000);

const gateway = sippGateways({ transport: 'udp' });
let db: Pool;

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

async function trunk(token: string): Promise<string> {
  const res = await call('POST', '/api/v1/trunks', {
    token,
    body: { name: `t-${randomUUID().slice(0, 8)}`, host: '127.0.0.1', port: 9, callerIdNumber: '+4930999999' },
  });
  return (await json<{ id: string }>(res, 201)).id;
}

/**
 * A campaign of `phones` over the group [a, b] of one priority with these weights, run to
 * its end on the stack's worker; returns its id.
 */
async function runWeighted(
  owner: { id: string; token: string },
  [a, b]: readonly [string, string],
  weights: readonly [number, number],
  phones: readonly string[],
  extra: { maxConcurrentCalls: number; callsPerSecond?: number },
): Promise<string> {
  const campaign = await insertCampaign(db, {
    ownerId: owner.id,
    trunkId: a,
    audioId: await toneMessage(owner.token, 1),
    contactListId: await phoneList(owner.token, phones),
    maxAttempts: 1,
    record: false,
    ...extra,
  });
  const shares = { [a]: { priority: 1, weight: weights[0] }, [b]: { priority: 1, weight: weights[1] } };
  await db.query('UPDATE campaign SET fallback_trunk_ids = $2, trunk_shares = $3 WHERE id = $1', [
    campaign.id,
    [b],
    JSON.stringify(shares),
  ]);
  const handle = await startCampaign(campaign);
  expect(await handle.result()).toMatchObject({ status: 'completed' });
  return campaign.id;
}

describe('trunks with priorities and weights through the API', () => {
  it('stores the group in priority order and shows every trunk’s share', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const [a, b] = [await trunk(token), await trunk(token)];
    const { trunkId: _omitted, ...rest } = body(parts);
    const trunks = [
      { trunkId: parts.trunkId, priority: 2 },
      { trunkId: a, priority: 1, weight: 3 },
      { trunkId: b, priority: 1 },
    ];
    const created = await json(await call('POST', '/api/v1/campaigns', { token, body: { ...rest, trunks } }), 201);
    expect(created).toMatchObject({
      trunkId: a,
      trunkIds: [a, b, parts.trunkId],
      trunks: [
        { trunkId: a, priority: 1, weight: 3 },
        { trunkId: b, priority: 1, weight: 1 },
        { trunkId: parts.trunkId, priority: 2, weight: 1 },
      ],
    });
    // trunkIds sets a plain order again: each trunk its own priority, weight 1.
    const path = `/api/v1/campaigns/${created.id}`;
    const plain = await json(await call('PATCH', path, { token, body: { trunkIds: [b, a] } }), 200);
    expect(plain.trunks).toEqual([
      { trunkId: b, priority: 1, weight: 1 },
      { trunkId: a, priority: 2, weight: 1 },
    ]);
    // A campaign made with trunkId alone shows it as priority 1, weight 1.
    const single = await json<Campaign>(await call('POST', '/api/v1/campaigns', { token, body: body(parts) }), 201);
    expect(single.trunks).toEqual([{ trunkId: parts.trunkId, priority: 1, weight: 1 }]);
  });

  it.each([
    ['trunks and trunkIds together', (t: string) => ({ trunks: [{ trunkId: t }], trunkIds: [t] }), ['body.trunks']],
    ['a trunk twice', (t: string) => ({ trunks: [{ trunkId: t }, { trunkId: t, priority: 3 }] }), ['body.trunks']],
    [
      'a trunkId that is not the first by priority',
      (t: string) => ({
        trunkId: t,
        trunks: [
          { trunkId: t, priority: 2 },
          { trunkId: randomUUID(), priority: 1 },
        ],
      }),
      ['body.trunkId', 'body.trunks[1].trunkId'],
    ],
    // tsoa names an array item's field without the `body.` prefix (as trunk-groups.test.ts notes).
    ['a weight of 0', (t: string) => ({ trunks: [{ trunkId: t, weight: 0 }] }), ['trunks.$0.weight']],
    ['a priority of 101', (t: string) => ({ trunks: [{ trunkId: t, priority: 101 }] }), ['trunks.$0.priority']],
    ['a fractional weight', (t: string) => ({ trunks: [{ trunkId: t, weight: 1.5 }] }), ['trunks.$0.weight']],
    ['an empty group', () => ({ trunks: [] }), ['body.trunks']],
  ])('refuses %s with 422 naming the field', async (_label, extra, fields) => {
    expect(await refusedTrunkFields(extra)).toEqual(fields);
  });

  it('refuses another owner’s trunk in trunks, naming its entry', async () => {
    const { token } = await userToken();
    const other = await userToken();
    const parts = await campaignParts(token, 1);
    const theirs = await trunk(other.token);
    const { trunkId, ...rest } = body(parts);
    const trunks = [{ trunkId }, { trunkId: theirs }];
    const res = await call('POST', '/api/v1/campaigns', { token, body: { ...rest, trunks } });
    expect(await problemFields(res)).toEqual(['body.trunks[1].trunkId']);
  });
});

test('two trunks of one priority, weights 3 and 1: 100 calls go 75 and 25, in a fixed rotation', async () => {
  const user = await createUser();
  const owner = { id: user.id, token: (await login(user.username, user.password)).access_token };
  const phones = Array.from({ length: 100 }, (_, i) => `+4930556${String(i).padStart(4, '0')}`);
  const heavy = await gateway({ scenario: 'uas-486', calls: 75, timeoutMs: 120_000 });
  const light = await gateway({ scenario: 'uas-486', calls: 25, timeoutMs: 120_000 });
  const limits = { maxConcurrentCalls: 20, maxCallsPerSecond: 100 };
  const [a, b] = [await gatewayTrunk(owner.token, heavy, limits), await gatewayTrunk(owner.token, light, limits)];
  const campaignId = await runWeighted(owner, [a, b], [3, 1], phones, { maxConcurrentCalls: 4, callsPerSecond: 100 });
  await expectSippExit(heavy, 0);
  await expectSippExit(light, 0);

  const { rows } = await db.query<{ trunk_id: string; outcome: string; tried: number }>(
    `SELECT trunk_id, outcome, jsonb_array_length(trunk_attempts) AS tried FROM call_record
     WHERE campaign_id = $1 ORDER BY invite_at`,
    [campaignId],
  );
  expect(rows).toHaveLength(100);
  expect(rows.every((r) => r.outcome === 'busy' && r.tried === 1)).toBe(true);
  const count = (id: string) => rows.filter((r) => r.trunk_id === id).length;
  expect([count(a), count(b)]).toEqual([75, 25]);
  expect([receivedRequests(heavy, 'INVITE').length, receivedRequests(light, 'INVITE').length]).toEqual([75, 25]);
  const served = await db.query<{ trunk_id: string; calls: number }>(
    'SELECT trunk_id::text, calls FROM campaign_trunk_share WHERE campaign_id = $1 ORDER BY calls DESC',
    [campaignId],
  );
  expect(served.rows).toEqual([
    { trunk_id: a, calls: 75 },
    { trunk_id: b, calls: 25 },
  ]);
});

test('a weighted trunk failing technically fails over to the other trunk of its priority, listed before it', async () => {
  const user = await createUser();
  const owner = { id: user.id, token: (await login(user.username, user.password)).access_token };
  const phones = Array.from({ length: 4 }, (_, i) => `+4930557${String(i).padStart(3, '0')}0`);
  // a answers everything (numbers ending in 0); b answers 503 to the two calls the rotation gives it.
  const answering = await gateway({ scenario: 'uas-route-by-number', calls: 4, ringMs: 0 });
  const failing = await gateway({ scenario: 'uas-503', calls: 2 });
  const limits = { maxConcurrentCalls: 5, maxCallsPerSecond: 50 };
  const [a, b] = [await gatewayTrunk(owner.token, answering, limits), await gatewayTrunk(owner.token, failing, limits)];
  const campaignId = await runWeighted(owner, [a, b], [1, 1], phones, { maxConcurrentCalls: 1 });
  await expectSippExit(answering, 0);
  await expectSippExit(failing, 0);
  const { rows } = await db.query<{ outcome: string; trunk_id: string; trunk_attempts: { trunkId: string }[] }>(
    'SELECT outcome, trunk_id, trunk_attempts FROM call_record WHERE campaign_id = $1 ORDER BY invite_at',
    [campaignId],
  );
  // The rotation gives a, b, a, b; b's calls go on to a within the same attempt.
  expect(rows.map((r) => r.trunk_attempts.map((t) => t.trunkId))).toEqual([[a], [b, a], [a], [b, a]]);
  expect(rows.map((r) => [r.outcome, r.trunk_id])).toEqual(phones.map(() => ['answered', a]));
});
