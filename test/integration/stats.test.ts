/**
 * Statistics against the real API and PostgreSQL: journal rows seeded with SQL (every
 * outcome, key presses, several attempts per contact, an hour boundary, Europe/Berlin's
 * repeated autumn hour, India's half-hour offset, the interval's own edges) and a real
 * campaign dialling sipp. Every figure is compared with an independent computation in
 * TypeScript (test/support/journal-stats.ts) from the rows seeded or read back with SQL.
 */
import { randomUUID } from 'node:crypto';
import { adminToken, call, expectProblem } from '../support/api';
import { insertCampaign } from '../support/campaign-runs';
import { campaignParts, campaignTestContext, createCampaign, json, userToken } from '../support/campaigns';
import { uploadContacts } from '../support/contact-lists';
import { comparable, ENGINE_OUTCOMES, expectedStats, journalRows, type JournalRow } from '../support/journal-stats';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';

jest.setTimeout(120_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 200 });

/** 2019-10-27T00:00Z: 02:00 CEST; an hour later Berlin's clocks go back from 03:00 to 02:00. */
const T0 = Date.parse('2019-10-27T00:00:00Z');
const at = (minutes: number, ms = 0) => new Date(T0 + minutes * 60_000 + ms);
const FROM = at(-60);
const TO = at(240);

interface Owner {
  id: string;
  token: string;
}
type Stats = Record<string, unknown> & { callsPerHour: { buckets: { start: string }[] }; dtmf: { digits: object[] } };
type SeedRow = JournalRow & { attempt: number };

let a: Owner;
let b: Owner;
let campaignA: string;
let campaignB: string;
let rows: SeedRow[] = [];

const press = (digit: string, atMs: number, source = 'rfc4733') => ({ digit, atMs, durationMs: 120, source });

async function seed(rowsToInsert: readonly SeedRow[]): Promise<void> {
  for (const r of rowsToInsert) {
    const answer = r.outcome === 'answered' ? new Date(r.inviteAt.getTime() + 1000) : null;
    await ctx.pool.query(
      `INSERT INTO call_record (id, owner_id, campaign_id, campaign_contact_id, attempt_id, attempt, phone_e164,
         invite_at, answer_at, end_at, outcome, end_reason, talk_ms, dtmf, machine_detection, created_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())`,
      [
        r.ownerId,
        r.campaignId,
        r.campaignContactId,
        randomUUID(),
        r.attempt,
        r.phone,
        r.inviteAt,
        answer,
        new Date((answer ?? r.inviteAt).getTime() + (r.talkMs ?? 0)),
        r.outcome,
        r.endReason,
        r.talkMs,
        JSON.stringify(r.dtmf),
        r.machineDetection ? JSON.stringify(r.machineDetection) : null,
      ],
    );
  }
}

/** Owner A's campaign: 11 contacts (the last never called), 15 attempts; plus calls outside it and owner B's. */
async function seedJournal(contactIds: number[], phones: readonly string[], phonesB: readonly string[]) {
  const row = (contact: number, attempt: number, minutes: number, outcome: string, extra: Partial<SeedRow> = {}) => ({
    ownerId: a.id,
    campaignId: campaignA,
    campaignContactId: contactIds[contact],
    phone: phones[contact],
    attempt,
    inviteAt: at(minutes),
    outcome,
    endReason: outcome,
    talkMs: null,
    dtmf: [],
    machineDetection: null,
    ...extra,
  });
  const answered = (talkMs: number, dtmf: JournalRow['dtmf'] = []) => ({ endReason: 'message played', talkMs, dtmf });
  const detected = (verdict: string, treatedAs: string, action = 'message') => ({
    machineDetection: { verdict, treatedAs, cause: 'long_greeting', decisionMs: 2000, action },
  });
  const outside = (owner: Owner, phone: string, minutes: number, outcome: string, extra: Partial<SeedRow> = {}) => ({
    ...row(0, 1, minutes, outcome, extra),
    ownerId: owner.id,
    campaignId: owner === b ? campaignB : null,
    campaignContactId: null,
    phone,
  });
  rows = [
    row(0, 1, 10, 'busy'),
    row(0, 2, 60, 'no_answer', { inviteAt: at(60, -1) }), // 00:59:59.999
    row(0, 3, 60, 'answered', answered(12_000, [press('1', 500), press('2', 900), press('1', 1500)])), // 01:00:00.000
    row(1, 1, 90, 'answered', {
      ...answered(3000, [press('#', 2000), press('5', 1500)]),
      ...detected('human', 'human', 'hung_up'), // abandoned (onHuman: hang_up)
    }), // first pressed: 5
    row(2, 1, 125, 'unavailable'),
    row(2, 2, 140, 'answered', { endReason: 'call in progress' }), // no talk time yet
    row(3, 1, 20, 'rejected'),
    row(4, 1, 40, 'invalid_number'),
    row(4, 2, 45, 'answered', { ...answered(4500, [press('2', 100)]), ...detected('machine', 'machine') }),
    row(5, 1, 70, 'failed', { endReason: 'call activity failed: boom' }),
    row(5, 2, 75, 'cancelled', { endReason: 'cancelled before the call was placed' }),
    row(6, 1, 180, 'cancelled', { endReason: 'aborted before dialling' }),
    row(7, 1, 220, 'cancelled', { endReason: 'aborted while ringing' }), // dialled: a seizure
    row(8, 1, -30, 'answered', {
      ...answered(7000, [press('9', 0, 'sip-info'), press('*', 0)]),
      ...detected('unknown', 'machine'),
    }), // tie: 9 first
    row(9, 1, 230, 'blocked', { endReason: 'on the blocklist' }), // not the engine's: not dialled
    outside(a, phones[0], 100, 'answered', answered(1000)),
    outside(a, '+4930555000', -60, 'busy'), // exactly `from`: in
    outside(a, '+4930555001', 240, 'answered', answered(500)), // exactly `to`: out
    outside(a, '+4930555002', 300, 'busy'),
    outside(b, phonesB[0], 30, 'answered', answered(2000, [press('1', 10)])),
    outside(b, phonesB[1], 31, 'busy'),
  ];
  await seed(rows);
  // The contacts' scheduler state, as those attempts would have left it.
  const states = [
    ['done', 'answered'],
    ['done', 'answered'],
    ['in_flight', null],
    ['done', 'rejected'],
    ['done', 'answered'],
    ['cancelled', 'cancelled'],
    ['cancelled', 'cancelled'],
    ['cancelled', 'cancelled'],
    ['done', 'answered'],
    ['done', 'blocked'],
  ];
  for (const [i, [state, outcome]] of states.entries()) {
    await ctx.pool.query('UPDATE campaign_contact SET state = $2, final_outcome = $3 WHERE id = $1', [
      contactIds[i],
      state,
      outcome,
    ]);
  }
}

beforeAll(async () => {
  [a, b] = await Promise.all([userToken(), userToken()]);
  const [partsA, partsB] = await Promise.all([campaignParts(a.token, 11), campaignParts(b.token, 2)]);
  campaignA = (await insertCampaign(ctx.pool, { ownerId: a.id, ...partsA })).id;
  campaignB = (await insertCampaign(ctx.pool, { ownerId: b.id, ...partsB })).id;
  const { rows: contacts } = await ctx.pool.query<{ id: string }>(
    'SELECT id FROM campaign_contact WHERE campaign_id = $1 ORDER BY line',
    [campaignA],
  );
  await seedJournal(
    contacts.map((c) => Number(c.id)),
    partsA.phones,
    partsB.phones,
  );
});

const get = async (path: string, token: string): Promise<Stats> => json<Stats>(await call('GET', path, { token }), 200);
const query = (params: Record<string, string>) => new URLSearchParams(params).toString();
const inInterval = (r: JournalRow) => r.inviteAt >= FROM && r.inviteAt < TO;
const fieldsOf = async (res: Response) =>
  ((await expectProblem(res, 422, 'validation-error')).errors as { field: string }[]).map((e) => e.field).sort();

describe('a campaign', () => {
  it.each([undefined, 'Europe/Berlin', 'Asia/Kolkata'])(
    'agrees with the seeded journal (time zone %s)',
    async (zone) => {
      const stats = await get(`/api/v1/campaigns/${campaignA}/stats${zone ? `?timezone=${zone}` : ''}`, a.token);
      const mine = rows.filter((r) => r.campaignId === campaignA);
      const { campaignId, contacts, ...figures } = stats;
      expect(campaignId).toBe(campaignA);
      expect(comparable(figures)).toEqual(
        comparable(expectedStats(mine, { contactKey: 'campaignContactId', timezone: zone ?? 'UTC' })),
      );
      // Five answered: a human, a machine, an unknown taken as a machine, two without detection.
      expect(figures.answeredBy).toEqual({ humans: 1, machines: 2, unknown: 1, notDetected: 2 });
      // One person hung up on, of three calls a person answered (detection off counts as a person).
      expect(figures.abandoned).toEqual({ calls: 1, liveAnswered: 3, rate: 1 / 3 });
      expect(contacts).toEqual({
        total: 11,
        pending: 1,
        inFlight: 1,
        waiting: 0,
        done: 6,
        cancelled: 3,
        outcomes: { answered: 4, rejected: 1, blocked: 1 },
      });
      // The seed covers what it claims to, so the comparison above is not a trivial one.
      expect(ENGINE_OUTCOMES.every((o) => mine.some((r) => r.outcome === o))).toBe(true);
      expect(stats.dtmf.digits.map((d) => Object.values(d).join(' '))).toEqual([
        '1 2 1 1', // digit presses calls firstPressed
        '2 2 2 1',
        '5 1 1 1',
        '9 1 1 1',
        '* 1 1 0',
        '# 1 1 0',
      ]);
      const starts = stats.callsPerHour.buckets.map((h) => h.start);
      if (zone === 'Europe/Berlin') expect(starts).toContain('2019-10-27T02:00:00+01:00');
      if (zone === 'Europe/Berlin') expect(starts).toContain('2019-10-27T02:00:00+02:00');
      if (zone === 'Asia/Kolkata') expect(starts[0]).toBe('2019-10-27T05:00:00+05:30');
    },
  );

  it("is 404 for another owner's campaign, a missing one and a malformed id; an administrator sees it", async () => {
    await expectProblem(
      await call('GET', `/api/v1/campaigns/${campaignA}/stats`, { token: b.token }),
      404,
      'not-found',
    );
    await expectProblem(
      await call('GET', `/api/v1/campaigns/${randomUUID()}/stats`, { token: a.token }),
      404,
      'not-found',
    );
    await expectProblem(await call('GET', '/api/v1/campaigns/nope/stats', { token: a.token }), 422, 'validation-error');
    const admin = await get(`/api/v1/campaigns/${campaignA}/stats`, await adminToken());
    expect(admin).toEqual(await get(`/api/v1/campaigns/${campaignA}/stats`, a.token));
  });

  it('without calls yet: zeros and no hours, not errors or NaN', async () => {
    const { token } = a;
    const campaign = await createCampaign(token, await campaignParts(token, 1));
    const stats = await get(`/api/v1/campaigns/${campaign.id}/stats`, token);
    const { campaignId, contacts, ...figures } = stats;
    expect([campaignId, contacts]).toEqual([campaign.id, expect.objectContaining({ total: 0 })]);
    expect(figures).toEqual(expectedStats([], { contactKey: 'campaignContactId', timezone: 'UTC' }));
    expect(figures).toMatchObject({ answerSeizureRatio: 0, talkTime: { averageMs: 0, medianMs: 0 } });
  });
});

describe('an interval', () => {
  const interval = { from: FROM.toISOString(), to: '2019-10-27T05:00:00+01:00' }; // = TO

  it.each([undefined, 'Europe/Berlin', 'Asia/Kolkata'])(
    "the owner's calls in [from, to) (time zone %s)",
    async (zone) => {
      const stats = await get(`/api/v1/stats?${query({ ...interval, ...(zone ? { timezone: zone } : {}) })}`, a.token);
      const { from, to, ownerId, ...figures } = stats;
      expect([from, to, ownerId]).toEqual([FROM.toISOString(), TO.toISOString(), a.id]);
      const mine = rows.filter((r) => r.ownerId === a.id && inInterval(r));
      const scope = { contactKey: 'phone', timezone: zone ?? 'UTC', span: { from: FROM, to: TO } } as const;
      expect(comparable(figures)).toEqual(comparable(expectedStats(mine, scope)));
      expect(mine.map((r) => r.inviteAt)).toContainEqual(FROM);
    },
  );

  it('an administrator sees everyone, or one owner with ownerId; an owner only themselves', async () => {
    const admin = await adminToken();
    const scope = { contactKey: 'phone', timezone: 'UTC', span: { from: FROM, to: TO } } as const;
    const everyone = await get(`/api/v1/stats?${query(interval)}`, admin);
    const seeded = rows.filter(inInterval);
    // No other test has calls in 2019: everyone's calls in the interval are the ones seeded.
    expect(everyone.ownerId).toBeNull();
    expect(comparable({ ...everyone, from: 0, to: 0, ownerId: 0 })).toEqual(
      comparable({ ...expectedStats(seeded, scope), from: 0, to: 0, ownerId: 0 }),
    );
    expect(await get(`/api/v1/stats?${query({ ...interval, ownerId: a.id })}`, admin)).toEqual(
      await get(`/api/v1/stats?${query(interval)}`, a.token),
    );
    const ofB = await get(`/api/v1/stats?${query({ ...interval, ownerId: b.id })}`, b.token);
    expect(comparable({ ...ofB, from: 0, to: 0, ownerId: 0 })).toEqual(
      comparable({
        ...expectedStats(
          seeded.filter((r) => r.ownerId === b.id),
          scope,
        ),
        from: 0,
        to: 0,
        ownerId: 0,
      }),
    );
    const path = `/api/v1/stats?${query({ ...interval, ownerId: a.id })}`;
    await expectProblem(await call('GET', path, { token: b.token }), 404, 'not-found');
    const nobody = `/api/v1/stats?${query({ ownerId: randomUUID() })}`;
    await expectProblem(await call('GET', nobody, { token: admin }), 404, 'not-found');
  });

  it('reads a + sent unencoded (a space once decoded) as +', async () => {
    const bare = await get(`/api/v1/stats?from=2019-10-27T00:00:00+01:00&to=2019-10-27T05:00:00+01:00`, a.token);
    expect([bare.from, bare.to]).toEqual([FROM.toISOString(), TO.toISOString()]);
  });

  it('names each bad parameter', async () => {
    const bad = async (params: Record<string, string>) =>
      fieldsOf(await call('GET', `/api/v1/stats?${query(params)}`, { token: a.token }));
    expect(await bad({ from: 'yesterday', to: '2019-10-27T00:00:00' })).toEqual(['from', 'to']);
    expect(await bad({ timezone: 'Mars/Olympus', ownerId: 'me' })).toEqual(['ownerId', 'timezone']);
    expect(await bad({ from: TO.toISOString(), to: FROM.toISOString() })).toEqual(['to']);
    expect(await bad({ from: '2019-10-28T00:00:00Z', to: '2019-10-27T00:00:00Z' })).toEqual(['to']);
    expect(await bad({ from: '2018-01-01T00:00:00Z', to: '2019-10-27T00:00:00Z' })).toEqual(['to']); // > 366 days
    expect(await bad({ from: '2999-01-01T00:00:00Z' })).toEqual(['from']); // after now
    const zone = await call('GET', `/api/v1/campaigns/${campaignA}/stats?timezone=%2B05:30`, { token: a.token });
    expect(await fieldsOf(zone)).toEqual(['timezone']);
  });

  it('by default, the last 24 hours; a new owner gets zeros in every hour', async () => {
    const fresh = await userToken();
    const stats = await get('/api/v1/stats?timezone=Asia/Kolkata', fresh.token);
    const { from, to, ownerId, ...figures } = stats;
    const span = { from: new Date(from as string), to: new Date(to as string) };
    expect(span.to.getTime() - span.from.getTime()).toBe(24 * 3_600_000);
    expect(Math.abs(span.to.getTime() - Date.now())).toBeLessThan(60_000);
    expect(ownerId).toBe(fresh.id);
    expect(figures).toEqual(expectedStats([], { contactKey: 'phone', timezone: 'Asia/Kolkata', span }));
    // 24 hours from a moment that is not a clock hour's start overlap 25 clock hours.
    expect(stats.callsPerHour.buckets).toHaveLength(25);
  });
});

test('a real campaign through sipp: the statistics agree exactly with its journal rows', async () => {
  const owner = await userToken();
  // sipp answers by the last digit: 1 busy, 2 rings until cancelled, anything else answers.
  const digits = ['0', '1', '2', '5', '0', '1'];
  const calls = 1 + 2 + 2 + 1 + 1 + 2; // busy and no answer are tried twice
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls, timeoutMs: 90_000 });
  const parts = await campaignParts(owner.token, 1); // for the audio; trunk and list follow
  const phones = digits.map((d, i) => `+49301234${String(i).padStart(2, '0')}${d}`);
  const list = await json<{ id: string }>(await uploadContacts(owner.token, `phone\n${phones.join('\n')}\n`), 201);
  const trunk = await json<{ id: string }>(
    await call('POST', '/api/v1/trunks', {
      token: owner.token,
      body: { name: `stats-gw-${sipp.port}`, host: '127.0.0.1', port: sipp.port, callerIdNumber: '+4930000000' },
    }),
    201,
  );
  const campaign = await createCampaign(
    owner.token,
    { ...parts, trunkId: trunk.id, contactListId: list.id },
    { maxConcurrentCalls: 3, callsPerSecond: 20, maxAttempts: 2, retryDelaySeconds: 0, ringTimeoutSeconds: 5 },
  );
  await ctx.start(owner.token, campaign.id);
  const deadline = Date.now() + 90_000;
  while (
    (await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token: owner.token }), 200)).status !==
    'completed'
  ) {
    if (Date.now() > deadline) throw new Error(`campaign not completed\n${sipp.diagnostics()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await expectSippExit(sipp, 0);

  const journal = await journalRows(ctx.pool, 'campaign_id = $1', [campaign.id]);
  expect(journal.map((r) => r.outcome).sort()).toEqual(
    ['answered', 'answered', 'answered', 'busy', 'busy', 'busy', 'busy', 'no_answer', 'no_answer'].sort(),
  );
  const stats = await get(`/api/v1/campaigns/${campaign.id}/stats?timezone=Europe/Berlin`, owner.token);
  const { campaignId, contacts, ...figures } = stats;
  expect(campaignId).toBe(campaign.id);
  expect(comparable(figures)).toEqual(
    comparable(expectedStats(journal, { contactKey: 'campaignContactId', timezone: 'Europe/Berlin' })),
  );
  const { rows: state } = await ctx.pool.query<{ final_outcome: string }>(
    `SELECT final_outcome FROM campaign_contact WHERE campaign_id = $1 AND state = 'done'`,
    [campaign.id],
  );
  expect(contacts).toMatchObject({ total: 6, done: state.length, outcomes: { answered: 3, busy: 2, no_answer: 1 } });

  // The owner-wide view of an interval around the campaign holds the same calls.
  const times = journal.map((r) => r.inviteAt.getTime());
  const span = { from: new Date(Math.min(...times)), to: new Date(Math.max(...times) + 1) };
  const ranged = await get(
    `/api/v1/stats?${query({ from: span.from.toISOString(), to: span.to.toISOString() })}`,
    owner.token,
  );
  const { from, to, ownerId, ...owned } = ranged;
  expect([from, to, ownerId]).toEqual([span.from.toISOString(), span.to.toISOString(), owner.id]);
  expect(comparable(owned)).toEqual(comparable(expectedStats(journal, { contactKey: 'phone', timezone: 'UTC', span })));
});
