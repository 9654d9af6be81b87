/**
 * Caller-ID pools (issue 20) end to end: campaigns dial sipp (uas-route-by-number answers
 * numbers ending 0) through the stack's worker, and the From of every INVITE sipp received
 * is checked against the pool's strategy and its daily cap per number (counted per owner,
 * across campaigns), and against the journal's `callerIdNumber`. The API part: the pool is
 * stored, shown, and refused with 422 naming the exact field.
 */
import { Pool } from 'pg';
import { headerValues, receivedRequests, type SippInstance } from '../../scripts/services/sipp';
import { call, expectProblem } from '../support/api';
import { campaignBody as body, campaignParts, createCampaign, json, userToken } from '../support/campaigns';
import { gatewayTrunk, phoneList, toneMessage } from '../support/campaign-e2e';
import { closeTemporalClient, insertCampaign, startCampaign } from '../support/campaign-runs';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 100 });
const FALLBACK = '+4930999000';
let db: Pool;

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

/** Callee → the number in the From of its INVITE, as sipp received them. */
function fromByCallee(sipp: Pick<SippInstance, 'messages'>): Map<string, string> {
  const byCallee = new Map<string, string>();
  for (const invite of receivedRequests(sipp, 'INVITE')) {
    const callee = /^INVITE sip:([^@;]+)@/.exec(invite.startLine)?.[1];
    const from = /sip:([^@;>]+)@/.exec(headerValues(invite, 'from')[0] ?? '')?.[1];
    if (callee && from) byCallee.set(callee, from);
  }
  return byCallee;
}

/** Runs a campaign of `phones` with `pool` on the stack's worker; returns sipp's From per callee. */
async function runPool(owner: { id: string; token: string }, phones: readonly string[], pool: unknown) {
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 90_000 });
  const campaign = await insertCampaign(db, {
    ownerId: owner.id,
    trunkId: await gatewayTrunk(owner.token, sipp, { maxConcurrentCalls: 20, maxCallsPerSecond: 100 }),
    audioId: await toneMessage(owner.token, 1),
    contactListId: await phoneList(owner.token, phones),
    maxConcurrentCalls: 20,
    record: false,
    callerIdNumber: FALLBACK,
  });
  await db.query('UPDATE campaign SET caller_id_pool = $2 WHERE id = $1', [campaign.id, JSON.stringify(pool)]);
  const handle = await startCampaign(campaign);
  expect(await handle.result()).toMatchObject({ status: 'completed' });
  await expectSippExit(sipp, 0, 60_000);
  const froms = fromByCallee(sipp);
  expect(froms.size).toBe(phones.length);
  // The journal names the same number as the INVITE carried.
  const res = await call('GET', `/api/v1/calls?campaignId=${campaign.id}&limit=500`, { token: owner.token });
  const page = await json<{ items: { phone: string; callerIdNumber: string | null }[] }>(res, 200);
  expect(new Map(page.items.map((c) => [c.phone, c.callerIdNumber]))).toEqual(froms);
  return froms;
}

const counts = (froms: Map<string, string>) => {
  const n = new Map<string, number>();
  for (const from of froms.values()) n.set(from, (n.get(from) ?? 0) + 1);
  return n;
};

test('rotate over 200 calls with a cap of 60: each number makes 60 calls, the rest and the next campaign go out with the plain caller ID', async () => {
  const owner = await userToken();
  const pool = {
    numbers: ['+493012340001', '+493012340002', '+493012340003'],
    strategy: 'rotate',
    dailyCapPerNumber: 60,
  };
  const phones = Array.from({ length: 200 }, (_, i) => `+49305551${String(i).padStart(3, '0')}0`);
  const froms = await runPool(owner, phones, pool);
  expect(counts(froms)).toEqual(
    new Map([
      ['+493012340001', 60],
      ['+493012340002', 60],
      ['+493012340003', 60],
      [FALLBACK, 20],
    ]),
  );
  // The cap is the owner's per day, across campaigns: a second campaign finds every number spent.
  const more = await runPool(owner, ['+493055520000', '+493055520010', '+493055520020'], pool);
  expect([...more.values()]).toEqual([FALLBACK, FALLBACK, FALLBACK]);
});

test('local: each callee gets the number of its own area, else of its country, else any', async () => {
  const owner = await userToken();
  const [berlin, hamburg, london, newYork] = ['+493012340001', '+494012340001', '+442079460001', '+12127360101'];
  const pool = { numbers: [newYork, london, hamburg, berlin], strategy: 'local' };
  const expected = new Map<string, string>();
  for (let i = 0; i < 4; i++) {
    expected.set(`+49305553${i}00`, berlin);
    expected.set(`+49405553${i}00`, hamburg);
    expected.set(`+4420794600${i}0`, london);
    expected.set(`+1212736${i}000`, newYork);
  }
  // Munich: no number of its area, the German ones share the country code; the least used wins.
  const munich = '+49895553000';
  const froms = await runPool(owner, [...expected.keys(), munich], pool);
  expect([munich, [berlin, hamburg]]).toEqual([munich, expect.arrayContaining([froms.get(munich)])]);
  froms.delete(munich);
  expect(froms).toEqual(expected);
});

describe('the pool through the API', () => {
  it('stores it (the cap defaulted), shows it, and a PATCH clears it', async () => {
    const { token } = await userToken();
    const callerIdPool = { numbers: ['+493012340001', '+442079460001'], strategy: 'local' };
    const campaign = await createCampaign(token, await campaignParts(token, 1), { callerIdPool });
    expect(campaign.callerIdPool).toEqual({ ...callerIdPool, dailyCapPerNumber: 200 });
    const path = `/api/v1/campaigns/${campaign.id}`;
    expect((await json(await call('GET', path, { token }), 200)).callerIdPool).toEqual(campaign.callerIdPool);
    expect((await json(await call('PATCH', path, { token, body: { callerIdPool: null } }), 200)).callerIdPool).toBe(
      null,
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a number twice',
      { numbers: ['+493012340001', '+493012340001'], strategy: 'rotate' },
      'body.callerIdPool.numbers[1]',
    ],
    ['no numbers', { numbers: [], strategy: 'rotate' }, 'body.callerIdPool.numbers'],
    [
      'a cap of 0',
      { numbers: ['+493012340001'], strategy: 'rotate', dailyCapPerNumber: 0 },
      'body.callerIdPool.dailyCapPerNumber',
    ],
  ])('refuses %s, naming the field', async (_label, callerIdPool, field) => {
    const { token } = await userToken();
    const res = await call('POST', '/api/v1/campaigns', {
      token,
      body: body(await campaignParts(token, 1), { callerIdPool }),
    });
    const problem = await expectProblem(res, 422, 'validation-error');
    expect((problem.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
  });

  it('refuses a number that is not E.164 and 101 numbers', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    for (const numbers of [['030 1234'], Array.from({ length: 101 }, (_, i) => `+4930${1_000_000 + i}`)]) {
      const res = await call('POST', '/api/v1/campaigns', {
        token,
        body: body(parts, { callerIdPool: { numbers, strategy: 'rotate' } }),
      });
      const problem = await expectProblem(res, 422, 'validation-error');
      expect((problem.errors as { field: string }[]).length).toBeGreaterThan(0);
    }
  });
});
