/**
 * Department limits and reservations enforced where calls are placed: the stack's real
 * worker runs campaigns of users in two departments against a sipp gateway (numbers ending
 * in 0 answer, test/sipp/uas-route-by-number.xml); the journal, the dial ledger and
 * `policy_skip` show what went out and what was put off. Departments and memberships are
 * written with SQL (test/support/departments.ts) until the departments API is merged.
 */
import { Pool } from 'pg';
import { call, createUser, login } from '../support/api';
import { gatewayTrunk, journalOf, peakConcurrency, phoneList, resultsOf, toneMessage } from '../support/campaign-e2e';
import {
  closeTemporalClient,
  insertCampaign,
  startCampaign,
  waitFor,
  type CampaignSpec,
} from '../support/campaign-runs';
import { addMember, createDepartment, type DepartmentSpec } from '../support/departments';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import type { SippInstance } from '../../scripts/services/sipp';
import { readStack } from '../support/stack';

jest.setTimeout(150_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
let db: Pool;

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

interface Member {
  readonly id: string;
  readonly token: string;
}

async function member(departmentId: string): Promise<Member> {
  const user = await createUser();
  await addMember(departmentId, user.id);
  return { id: user.id, token: (await login(user.username, user.password)).access_token };
}

async function department(spec: DepartmentSpec = {}) {
  return (await createDepartment(spec)).id;
}

/** A campaign of `who` over `phones` on a trunk of theirs to `sipp` (10 lines), with a `seconds` message. */
async function campaignOf(
  who: Member,
  sipp: SippInstance,
  phones: readonly string[],
  seconds: number,
  settings: Partial<CampaignSpec> = {},
) {
  const [trunkId, audioId, contactListId] = await Promise.all([
    gatewayTrunk(who.token, sipp, { maxConcurrentCalls: 10, maxCallsPerSecond: 50 }),
    toneMessage(who.token, seconds),
    phoneList(who.token, phones),
  ]);
  return insertCampaign(db, { ownerId: who.id, trunkId, audioId, contactListId, maxAttempts: 1, ...settings });
}

/** Numbers ending in 0 (sipp answers them), distinct per `prefix`. */
const answering = (prefix: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `+4930${prefix}${String(i).padStart(3, '0')}0`);

async function skipsOf(campaignId: string) {
  const { rows } = await db.query<{ phone_e164: string; rule: string; code: string; retry_at: Date }>(
    'SELECT phone_e164, rule, code, retry_at FROM policy_skip WHERE campaign_id = $1 ORDER BY phone_e164, at',
    [campaignId],
  );
  return rows;
}

async function reserve(token: string, phones: readonly string[], until: Date): Promise<string> {
  const res = await call('POST', '/api/v1/reservations', { token, body: { phones, until: until.toISOString() } });
  if (res.status !== 201) throw new Error(`reserve: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

describe('reservation', () => {
  test('another department skips reserved numbers until the reservation expires; the holder dials them at once', async () => {
    const [sales, support] = [await department(), await department()];
    const [alice, carol] = [await member(sales), await member(support)];
    const reserved = answering(80, 2);
    const free = answering(81, 2);
    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 6, timeoutMs: 90_000 });
    const until = new Date(Date.now() + 10_000);
    await reserve(alice.token, reserved, until);
    const theirs = await campaignOf(carol, sipp, [...reserved, ...free], 1, { maxConcurrentCalls: 4 });
    const ours = await campaignOf(alice, sipp, reserved, 1, { maxConcurrentCalls: 2 });
    const runs = await Promise.all(
      [theirs, ours].map(async (c) => ({ handle: await startCampaign(c), campaignId: c.id })),
    );
    const results = await resultsOf(db, runs, sipp, 90_000);
    await expectSippExit(sipp, 0); // 6 calls: each number once per campaign, no more
    // A skip uses no attempt and is not counted as a call started.
    expect(results.map((r) => [r.status, r.callsStarted])).toEqual([
      ['completed', 4],
      ['completed', 2],
    ]);

    const rows = await journalOf(db, [theirs.id, ours.id]);
    expect(rows.every((r) => r.outcome === 'answered' && r.attempt === 1)).toBe(true);
    const invited = (campaignId: string, phone: string) =>
      rows.filter((r) => r.campaign_id === campaignId && r.phone_e164 === phone).map((r) => r.invite_at.getTime());
    for (const phone of reserved) {
      // The holder's campaign went ahead; the other department's waited for the end.
      expect([phone, invited(ours.id, phone)[0] < until.getTime()]).toEqual([phone, true]);
      expect([phone, invited(theirs.id, phone)[0] >= until.getTime()]).toEqual([phone, true]);
    }
    for (const phone of free) expect([phone, invited(theirs.id, phone)[0] < until.getTime()]).toEqual([phone, true]);
    // Journalled: the rule, the code, and when the contact was due again.
    const skips = await skipsOf(theirs.id);
    expect(skips.length).toBeGreaterThanOrEqual(2);
    expect(new Set(skips.map((s) => s.phone_e164))).toEqual(new Set(reserved));
    expect(skips.every((s) => s.rule === 'reservation' && s.code === 'reserved')).toBe(true);
    expect(skips.every((s) => Math.abs(s.retry_at.getTime() - until.getTime()) < 1000)).toBe(true);
    expect(await skipsOf(ours.id)).toEqual([]);
  });

  test('released early: the skipped contacts are called at once, not at the reservation’s end', async () => {
    const [sales, support] = [await department(), await department()];
    const [alice, carol] = [await member(sales), await member(support)];
    const reserved = answering(82, 2);
    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 2, timeoutMs: 90_000 });
    const until = new Date(Date.now() + 10 * 60_000);
    const id = await reserve(alice.token, reserved, until);
    const theirs = await campaignOf(carol, sipp, reserved, 1);
    const handle = await startCampaign(theirs);
    await waitFor('both numbers skipped', async () => (await skipsOf(theirs.id)).length >= 2);
    expect(await journalOf(db, [theirs.id])).toEqual([]);
    const released = Date.now();
    expect((await call('DELETE', `/api/v1/reservations/${id}`, { token: alice.token })).status).toBe(204);
    const [result] = await resultsOf(db, [{ handle, campaignId: theirs.id }], sipp, 60_000);
    expect(result).toMatchObject({ status: 'completed', callsStarted: 2 });
    await expectSippExit(sipp, 0);
    const rows = await journalOf(db, [theirs.id]);
    expect(rows.map((r) => [r.phone_e164, r.outcome, r.attempt])).toEqual(reserved.map((p) => [p, 'answered', 1]));
    // Dialled after the release, long before the reservation's end (the workflow re-checks within 30 s).
    for (const r of rows) expect(r.invite_at.getTime()).toBeGreaterThanOrEqual(released);
    for (const r of rows) expect(r.invite_at.getTime()).toBeLessThan(released + 45_000);
  });
});

describe('department limits', () => {
  test('frequency cap counted across two members’ campaigns: the second call to a number waits for the window', async () => {
    const windowMs = 3000;
    const sales = await department({ frequencyCap: { maxCalls: 1, windowSeconds: windowMs / 1000 } });
    const [bob, dave] = [await member(sales), await member(sales)];
    const phones = answering(83, 3);
    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 6, timeoutMs: 90_000 });
    const a = await campaignOf(bob, sipp, phones, 1, { maxConcurrentCalls: 3 });
    const b = await campaignOf(dave, sipp, phones, 1, { maxConcurrentCalls: 3 });
    const runs = await Promise.all([a, b].map(async (c) => ({ handle: await startCampaign(c), campaignId: c.id })));
    const results = await resultsOf(db, runs, sipp, 90_000);
    await expectSippExit(sipp, 0);
    expect(results.map((r) => [r.status, r.callsStarted])).toEqual([
      ['completed', 3],
      ['completed', 3],
    ]);
    const { rows: ledger } = await db.query<{ phone_e164: string; dialled_at: Date; owner_id: string }>(
      'SELECT phone_e164, dialled_at, owner_id FROM dial_ledger WHERE owner_id = ANY($1) ORDER BY phone_e164, dialled_at',
      [[bob.id, dave.id]],
    );
    for (const phone of phones) {
      const mine = ledger.filter((l) => l.phone_e164 === phone);
      // One call from each owner (neither has a cap of their own), a window apart: the department's cap.
      expect([phone, new Set(mine.map((l) => l.owner_id)).size]).toEqual([phone, 2]);
      const gap = mine[1].dialled_at.getTime() - mine[0].dialled_at.getTime();
      expect([phone, gap >= windowMs]).toEqual([phone, true]);
    }
    const skips = [...(await skipsOf(a.id)), ...(await skipsOf(b.id))];
    expect(skips.length).toBeGreaterThanOrEqual(phones.length);
    expect(skips.every((s) => s.rule === 'frequency-cap' && s.code === 'capped')).toBe(true);
  });

  test('concurrent calls across two members: never more than the department’s 2, and GET /policies says it binds', async () => {
    const sales = await department({ maxConcurrentCalls: 2 });
    const [bob, dave] = [await member(sales), await member(sales)];
    const view = (await (await call('GET', '/api/v1/policies', { token: bob.token })).json()) as {
      department: { id: string; maxConcurrentCalls: number };
      effective: { maxConcurrentCalls: { value: number; source: string; reason: string } };
    };
    expect(view.department).toMatchObject({ id: sales, maxConcurrentCalls: 2 });
    expect(view.effective.maxConcurrentCalls).toMatchObject({ value: 2, source: 'department' });

    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 10, timeoutMs: 90_000 });
    const a = await campaignOf(bob, sipp, answering(84, 5), 2, { maxConcurrentCalls: 5 });
    const b = await campaignOf(dave, sipp, answering(85, 5), 2, { maxConcurrentCalls: 5 });
    const runs = await Promise.all([a, b].map(async (c) => ({ handle: await startCampaign(c), campaignId: c.id })));
    const results = await resultsOf(db, runs, sipp, 120_000);
    await expectSippExit(sipp, 0);
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    const rows = await journalOf(db, [a.id, b.id]);
    expect(rows).toHaveLength(10);
    expect(peakConcurrency(rows)).toBe(2);
    // Both members had calls up together: the department's places were shared, not taken in turns.
    const span = (id: string) => {
      const mine = rows.filter((r) => r.campaign_id === id);
      return [Math.min(...mine.map((r) => r.invite_at.getTime())), Math.max(...mine.map((r) => r.end_at.getTime()))];
    };
    const [sa, sb] = [span(a.id), span(b.id)];
    expect(Math.min(sa[1], sb[1])).toBeGreaterThan(Math.max(sa[0], sb[0]));
  });

  test('calls per day: past the department’s count, a contact waits for the next UTC day (journalled daily_limit)', async () => {
    const sales = await department({ maxCallsPerDay: 2 });
    const bob = await member(sales);
    const phones = answering(86, 3);
    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 2, timeoutMs: 60_000 });
    const campaign = await campaignOf(bob, sipp, phones, 1, { maxConcurrentCalls: 1 });
    const handle = await startCampaign(campaign);
    await waitFor('the third contact put off', async () => (await skipsOf(campaign.id)).length >= 1, 60_000);
    await expectSippExit(sipp, 0); // exactly the day's 2 calls
    const [skip] = await skipsOf(campaign.id);
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(skip).toMatchObject({ rule: 'daily-limit', code: 'daily_limit', retry_at: midnight });
    expect((await journalOf(db, [campaign.id])).map((r) => r.outcome)).toEqual(['answered', 'answered']);
    await handle.cancel();
  });
});
