/**
 * Owner policies enforced where calls are placed: the stack's real worker (and extra worker
 * processes) run two campaigns of one owner against a sipp gateway (every number answers,
 * test/sipp/uas-route-by-number.xml), and the journal and the dial ledger show what went out.
 * Each test has an owner of its own: the policies are per owner.
 */
import { Pool } from 'pg';
import { adminToken, call, createUser, login } from '../support/api';
import {
  contactsOf,
  gatewayTrunk,
  inviteSources,
  journalOf,
  peakConcurrency,
  phoneList,
  resultsOf,
  toneMessage,
} from '../support/campaign-e2e';
import { closeTemporalClient, insertCampaign, startCampaign, type CampaignSpec } from '../support/campaign-runs';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
let db: Pool;

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

async function owner(): Promise<{ id: string; token: string }> {
  const user = await createUser();
  return { id: user.id, token: (await login(user.username, user.password)).access_token };
}

async function put(path: string, token: string, body: unknown): Promise<void> {
  const res = await call('PUT', path, { token, body });
  if (res.status !== 200) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

/**
 * A sipp gateway for every call of `lists`, a trunk to it (10 lines, 50 calls/s), a message
 * of `seconds`, and two campaigns of `me` with `settings`, one over each list.
 */
async function twoCampaignsOver(
  me: { id: string; token: string },
  lists: readonly [readonly string[], readonly string[]],
  seconds: number,
  settings: Partial<CampaignSpec>,
) {
  const calls = lists[0].length + lists[1].length;
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls, timeoutMs: 90_000 });
  const [trunkId, audioId, listA, listB] = await Promise.all([
    gatewayTrunk(me.token, sipp, { maxConcurrentCalls: 10, maxCallsPerSecond: 50 }),
    toneMessage(me.token, seconds),
    phoneList(me.token, lists[0]),
    phoneList(me.token, lists[1]),
  ]);
  const spec = { ownerId: me.id, trunkId, audioId, ...settings };
  const a = await insertCampaign(db, { ...spec, contactListId: listA });
  const b = await insertCampaign(db, { ...spec, contactListId: listB });
  return { sipp, a, b };
}

/** Numbers ending in 0 (sipp answers them), distinct per `prefix`. */
const answering = (prefix: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `+4930${prefix}${String(i).padStart(3, '0')}0`);

describe('frequency cap', () => {
  test('two campaigns over the same numbers at once: each number called once per window, capped contacts rescheduled, both complete', async () => {
    const me = await owner();
    const windowMs = 3000;
    await put('/api/v1/policies', me.token, { frequencyCap: { maxCalls: 1, windowSeconds: windowMs / 1000 } });
    const phones = answering(55, 4);
    // One attempt each: a capped claim must not use it up, or the second campaign's contacts would end undialled.
    const { sipp, a, b } = await twoCampaignsOver(me, [phones, phones], 1, { maxConcurrentCalls: 4, maxAttempts: 1 });
    const [ha, hb] = await Promise.all([startCampaign(a), startCampaign(b)]);
    const results = await resultsOf(
      db,
      [
        { handle: ha, campaignId: a.id },
        { handle: hb, campaignId: b.id },
      ],
      sipp,
    );
    await expectSippExit(sipp, 0); // exactly 8 calls reached the gateway, each answered as the scenario says
    // Capped claims are not counted as calls started.
    expect(results.map((r) => [r.status, r.callsStarted])).toEqual([
      ['completed', 4],
      ['completed', 4],
    ]);

    const rows = await journalOf(db, [a.id, b.id]);
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.outcome === 'answered' && r.attempt === 1)).toBe(true);
    // The dial ledger (start slots on the database's clock) spaces each number's calls by the window exactly.
    const { rows: ledger } = await db.query<{ phone_e164: string; dialled_at: Date; attempt_id: string }>(
      'SELECT phone_e164, dialled_at, attempt_id FROM dial_ledger WHERE owner_id = $1 ORDER BY phone_e164, dialled_at',
      [me.id],
    );
    expect(ledger.map((l) => l.attempt_id).sort()).toEqual(rows.map((r) => r.attempt_id).sort());
    for (const phone of phones) {
      const dialled = ledger.filter((l) => l.phone_e164 === phone).map((l) => l.dialled_at.getTime());
      expect([phone, dialled.length]).toEqual([phone, 2]);
      expect([phone, dialled[1] - dialled[0] >= windowMs]).toEqual([phone, true]);
      // In the journal: one call per campaign, the second a window after the first. The journal's
      // invite time is the worker's clock when it woke for the start slot, so a few ms late at most.
      const mine = rows.filter((r) => r.phone_e164 === phone);
      expect(new Set(mine.map((r) => r.campaign_id))).toEqual(new Set([a.id, b.id]));
      const gap = mine[1].invite_at.getTime() - mine[0].invite_at.getTime();
      expect([phone, gap >= windowMs - 50]).toEqual([phone, true]);
    }
    // Both campaigns started together, each free to call all four numbers at once: the window
    // between each number's two calls is the cap holding the later campaign back.
    const started = await Promise.all([ha, hb].map(async (h) => (await h.describe()).startTime.getTime()));
    expect(Math.abs(started[0] - started[1])).toBeLessThan(1000);
    for (const campaign of [a, b]) {
      expect((await contactsOf(db, campaign.id)).map((c) => [c.state, c.attempts, c.final_outcome])).toEqual(
        phones.map(() => ['done', 1, 'answered']),
      );
    }
  });

  test('only an INVITE that went out counts: attempts on an unreachable trunk are neither capped nor counted', async () => {
    const me = await owner();
    await put('/api/v1/policies', me.token, { frequencyCap: { maxCalls: 1, windowSeconds: 3600 } });
    const phones = answering(56, 2);
    // TCP to a port where nothing listens: the connection is refused before any INVITE is sent.
    const dead = { port: 9 };
    const [trunkId, audioId, contactListId] = await Promise.all([
      gatewayTrunk(me.token, dead, { maxConcurrentCalls: 5, maxCallsPerSecond: 50 }, 'tcp'),
      toneMessage(me.token, 1),
      phoneList(me.token, phones),
    ]);
    const campaign = await insertCampaign(db, {
      ownerId: me.id,
      trunkId,
      audioId,
      contactListId,
      maxAttempts: 2,
      retryDelaySeconds: 0,
    });
    const handle = await startCampaign(campaign);
    // A second attempt wrongly capped would wait an hour: the campaign would not finish.
    const [result] = await resultsOf(db, [{ handle, campaignId: campaign.id }], undefined, 30_000);
    expect(result).toMatchObject({ status: 'completed', callsStarted: 4 });
    const rows = await journalOf(db, [campaign.id]);
    expect(rows.map((r) => [r.phone_e164, r.attempt, r.outcome])).toEqual(
      phones.flatMap((p) => [
        [p, 1, 'unavailable'],
        [p, 2, 'unavailable'],
      ]),
    );
    const { rows: ledger } = await db.query('SELECT 1 FROM dial_ledger WHERE owner_id = $1', [me.id]);
    expect(ledger).toHaveLength(0);
  });
});

describe('tenant limit', () => {
  const workers: ExtraWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.app.stop()));
  });

  async function twoCampaigns(prefix: number) {
    const me = await owner();
    await put(`/api/v1/users/${me.id}/limits`, await adminToken(), { maxConcurrentCalls: 2 });
    return twoCampaignsOver(me, [answering(prefix, 6), answering(prefix + 1, 6)], 2, { maxConcurrentCalls: 5 });
  }

  /** Runs both campaigns (on the stack's worker, or each on a task queue of its own) and checks the journal. */
  async function expectHeld(setup: Awaited<ReturnType<typeof twoCampaigns>>, queues?: readonly [string, string]) {
    const { sipp, a, b } = setup;
    const [ha, hb] = await Promise.all([startCampaign(a, queues?.[0]), startCampaign(b, queues?.[1])]);
    const runs = [
      { handle: ha, campaignId: a.id },
      { handle: hb, campaignId: b.id },
    ];
    const results = await resultsOf(db, runs, sipp, 90_000);
    expect(results.map((r) => [r.status, r.callsStarted])).toEqual([
      ['completed', 6],
      ['completed', 6],
    ]);
    await expectSippExit(sipp, 0);
    const rows = await journalOf(db, [a.id, b.id]);
    expect(rows.map((r) => r.outcome)).toEqual(Array.from({ length: 12 }, () => 'answered'));
    // Across both campaigns (each allowing 5 and the trunk 10): never more than the owner's 2, and 2 reached.
    expect(peakConcurrency(rows)).toBe(2);
    // Both campaigns had calls up while the other did: the limit was shared, not taken in turns.
    const span = (id: string) => {
      const mine = rows.filter((r) => r.campaign_id === id);
      return [Math.min(...mine.map((r) => r.invite_at.getTime())), Math.max(...mine.map((r) => r.end_at.getTime()))];
    };
    const [sa, sb] = [span(a.id), span(b.id)];
    expect(Math.min(sa[1], sb[1])).toBeGreaterThan(Math.max(sa[0], sb[0]));
    return sipp;
  }

  test('an owner limited to 2 simultaneous calls runs two campaigns allowing 5 each: never more than 2 up at once', async () => {
    await expectHeld(await twoCampaigns(60));
  });

  test('the limit holds across two worker processes, one running each campaign', async () => {
    const setup = await twoCampaigns(62);
    const queues = [`tenant-limit-${setup.a.id}`, `tenant-limit-${setup.b.id}`] as const;
    workers.push(...(await Promise.all(queues.map((q) => startExtraWorker(q)))));
    const sipp = await expectHeld(setup, queues);
    // Both workers placed calls: the INVITEs came from two SIP ports (one user agent per worker).
    expect(inviteSources(sipp).size).toBe(2);
  });
});
