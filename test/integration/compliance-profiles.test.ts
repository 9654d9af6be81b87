/**
 * Compliance profiles through the real API and the stack's worker: a `us` campaign whose
 * settings break a rule is a 422 `compliance-violation` naming the rule and the field at
 * create, update and start (the owner's profile at start); a `uk` campaign does not call a
 * number again within 72 h of an abandoned call to it. The abandoned call is a real one: AMD
 * hears a person say "Hello?" (sipp playing it) and the campaign hangs up on humans; the
 * statistics report it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, silence } from '../../telephony/amd/amd-signals';
import { sippMessages } from '../../scripts/services/sipp';
import { speak } from '../../bench/amd/tts';
import { call, expectProblem } from '../support/api';
import {
  campaignBody,
  campaignParts,
  campaignTestContext,
  createCampaign,
  json,
  userToken,
} from '../support/campaigns';
import { gatewayParts } from '../support/gateway-campaigns';
import { answerAndPlayScenario } from '../support/rtp-pcap';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';

jest.setTimeout(120_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 100 });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-compliance-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A `us` campaign's settings that keep every rule: 08:00–21:00 on the callee's clock, 15 s ring, an opt-out key. */
const usCompliant = {
  complianceProfile: 'us',
  callingWindow: {
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
    from: '08:00',
    to: '21:00',
    timezone: 'America/New_York',
    timezoneFrom: 'number',
  },
  ringTimeoutSeconds: 15,
  optOutDigit: '9',
};

type Violation = { field: string; rule: string; message: string };

/** The `[rule, field]` pairs of a 422 compliance-violation. */
async function violations(res: Response): Promise<[string, string][]> {
  const problem = await expectProblem(res, 422, 'compliance-violation');
  const errors = problem.errors as Violation[];
  // The detail and every message name the rule too.
  for (const e of errors) {
    expect(problem.detail).toContain(e.rule);
    expect(e.message).toContain(`(${e.rule})`);
  }
  return errors.map((e) => [e.rule, e.field]);
}

describe('us profile: settings that break a rule are a 422 naming it', () => {
  test('at create: each rule, with its field; a compliant campaign is created with its profile', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const create = (extra: Record<string, unknown>) =>
      call('POST', '/api/v1/campaigns', { token, body: campaignBody(parts, { name: 'us', ...usCompliant, ...extra }) });
    const window = usCompliant.callingWindow;
    const cases: [Record<string, unknown>, [string, string][]][] = [
      [{ callingWindow: null }, [['us.calling-hours', 'body.callingWindow']]],
      [
        { callingWindow: { ...window, timezoneFrom: 'campaign' } },
        [['us.calling-hours', 'body.callingWindow.timezoneFrom']],
      ],
      [{ callingWindow: { ...window, from: '07:30' } }, [['us.calling-hours', 'body.callingWindow.from']]],
      [{ callingWindow: { ...window, to: '21:30' } }, [['us.calling-hours', 'body.callingWindow.to']]],
      [{ ringTimeoutSeconds: 14 }, [['us.ring-time', 'body.ringTimeoutSeconds']]],
      [{ optOutDigit: null }, [['us.opt-out-digit', 'body.optOutDigit']]],
      [
        { callingWindow: null, ringTimeoutSeconds: 10, optOutDigit: null },
        [
          ['us.calling-hours', 'body.callingWindow'],
          ['us.ring-time', 'body.ringTimeoutSeconds'],
          ['us.opt-out-digit', 'body.optOutDigit'],
        ],
      ],
    ];
    for (const [extra, expected] of cases) {
      expect([extra, await violations(await create(extra))]).toEqual([extra, expected]);
    }
    // Another profile's settings are fine without it; an unknown profile is an ordinary 422.
    const none = await json(await create({ complianceProfile: 'none', callingWindow: null, optOutDigit: null }), 201);
    expect(none.complianceProfile).toBe('none');
    const unknown = await expectProblem(await create({ complianceProfile: 'ca' }), 422, 'validation-error');
    expect((unknown.errors as Violation[]).map((e) => e.field)).toEqual(['body.complianceProfile']);
    const us = await json(await create({}), 201);
    expect(us).toMatchObject({ complianceProfile: 'us', ringTimeoutSeconds: 15, optOutDigit: '9' });
    // Nothing was stored for the refused ones.
    const { rows } = await ctx.pool.query(
      'SELECT compliance_profile FROM campaign WHERE owner_id = $1 ORDER BY created_at',
      [us.ownerId],
    );
    expect(rows).toEqual([{ compliance_profile: 'none' }, { compliance_profile: 'us' }]);
  });

  test('at update: a change that breaks a rule, or a profile the draft does not keep, is refused and changes nothing', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const us = await createCampaign(token, parts, usCompliant);
    const patch = (id: string, body: Record<string, unknown>) =>
      call('PATCH', `/api/v1/campaigns/${id}`, { token, body });
    expect(await violations(await patch(us.id, { ringTimeoutSeconds: 10 }))).toEqual([
      ['us.ring-time', 'body.ringTimeoutSeconds'],
    ]);
    expect(await violations(await patch(us.id, { callingWindow: null }))).toEqual([
      ['us.calling-hours', 'body.callingWindow'],
    ]);
    const plain = await createCampaign(token, parts);
    expect(await violations(await patch(plain.id, { complianceProfile: 'us' }))).toEqual([
      ['us.calling-hours', 'body.callingWindow'],
      ['us.opt-out-digit', 'body.optOutDigit'],
    ]);
    const after = await json(await call('GET', `/api/v1/campaigns/${us.id}`, { token }), 200);
    expect(after).toMatchObject({ ringTimeoutSeconds: 15, callingWindow: usCompliant.callingWindow });
    // Leaving the profile lifts its rules.
    const loosened = await json(await patch(us.id, { complianceProfile: 'none', ringTimeoutSeconds: 10 }), 200);
    expect(loosened).toMatchObject({ complianceProfile: 'none', ringTimeoutSeconds: 10 });
  });

  test("at start: the owner's policy profile applies to every campaign; the draft stays a draft", async () => {
    const { token } = await userToken();
    const set = await json<Record<string, unknown>>(
      await call('PUT', '/api/v1/policies', { token, body: { complianceProfile: 'us' } }),
      200,
    );
    expect(set).toMatchObject({ complianceProfile: 'us', frequencyCap: null });
    const parts = await campaignParts(token, 1);
    const plain = await createCampaign(token, parts, { ringTimeoutSeconds: 12 });
    const start = await call('POST', `/api/v1/campaigns/${plain.id}/start`, { token });
    expect(await violations(start)).toEqual([
      ['us.calling-hours', 'callingWindow'],
      ['us.ring-time', 'ringTimeoutSeconds'],
      ['us.opt-out-digit', 'optOutDigit'],
    ]);
    const still = await json(await call('GET', `/api/v1/campaigns/${plain.id}`, { token }), 200);
    expect([still.status, still.workflowId]).toEqual(['draft', null]);
    const { rows } = await ctx.pool.query('SELECT 1 FROM campaign_contact WHERE campaign_id = $1', [plain.id]);
    expect(rows).toHaveLength(0);
    // A campaign that keeps the rules starts under the same policy.
    const compliant = await createCampaign(token, parts, { ...usCompliant, complianceProfile: 'none' });
    expect((await ctx.start(token, compliant.id)).status).toBe('running');
    // Back to none (a PUT sets the whole policy): the first campaign starts as it is.
    await json(await call('PUT', '/api/v1/policies', { token, body: {} }), 200);
    expect((await ctx.start(token, plain.id)).status).toBe('running');
  });
});

interface JournalRow {
  phone_e164: string;
  outcome: string;
  end_at: Date;
  end_reason: string;
  machine_detection: { verdict: string; treatedAs: string; action: string } | null;
}

async function journalOf(campaignId: string, rows: number): Promise<JournalRow[]> {
  for (let i = 0; i < 100; i += 1) {
    const { rows: found } = await ctx.pool.query<JournalRow>(
      'SELECT phone_e164, outcome, end_at, end_reason, machine_detection FROM call_record WHERE campaign_id = $1',
      [campaignId],
    );
    if (found.length >= rows && found.every((r) => r.end_reason !== 'call in progress')) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`campaign ${campaignId}: fewer than ${rows} finished journal rows`);
}

test('uk: an abandoned call (AMD hangs up on a person) is counted, and its number is not called again within 72 h', async () => {
  const me = await userToken();
  const held = '+493055501001';
  const free = '+493055501002';
  // A person answers and says "Hello?"; the campaign hangs up on humans: an abandoned call.
  const hello = concat(silence(400), speak({ source: 'espeak', name: 'en-us', speed: 160 }, 'Hello?'), silence(5000));
  const first = await gateway({ scenario: answerAndPlayScenario(dir, hello), calls: 1, timeoutMs: 60_000 });
  const partsA = await gatewayParts(me.token, first, [held], 1);
  const a = await createCampaign(
    me.token,
    { ...partsA, phones: [held] },
    {
      complianceProfile: 'uk',
      maxAttempts: 1,
      machineDetection: { mode: 'detect', onHuman: 'hang_up' },
    },
  );
  await ctx.start(me.token, a.id);
  const [abandoned] = await journalOf(a.id, 1);
  await expectSippExit(first, 0);
  expect(abandoned.machine_detection).toMatchObject({ verdict: 'human', treatedAs: 'human', action: 'hung_up' });
  const stats = await json<{ abandoned: unknown }>(
    await call('GET', `/api/v1/campaigns/${a.id}/stats`, { token: me.token }),
    200,
  );
  expect(stats.abandoned).toEqual({ calls: 1, liveAnswered: 1, rate: 1 });

  // A second uk campaign of the same owner over both numbers: only the other one is dialled.
  const second = await gateway({ scenario: answerAndPlayScenario(dir, silence(4000)), calls: 1, timeoutMs: 60_000 });
  const partsB = await gatewayParts(me.token, second, [held, free], 1);
  const b = await createCampaign(
    me.token,
    { ...partsB, phones: [held, free] },
    { complianceProfile: 'uk', maxAttempts: 1 },
  );
  await ctx.start(me.token, b.id);
  const rows = await journalOf(b.id, 1);
  await expectSippExit(second, 0); // exactly one call reached the gateway
  expect(sippMessages(second, 'received', 'INVITE sip:').length).toBe(1);
  expect(rows.map((r) => [r.phone_e164, r.outcome])).toEqual([[free, 'answered']]);
  // The held contact waits, its attempt not used, until 72 h after the abandoned call ended.
  const { rows: contacts } = await ctx.pool.query<{ state: string; attempts: number; next_attempt_at: Date }>(
    'SELECT state, attempts, next_attempt_at FROM campaign_contact WHERE campaign_id = $1 AND phone_e164 = $2',
    [b.id, held],
  );
  expect(contacts.map((c) => [c.state, c.attempts])).toEqual([['waiting', 0]]);
  const until = abandoned.end_at.getTime() + 72 * 3_600_000;
  expect(Math.abs(contacts[0].next_attempt_at.getTime() - until)).toBeLessThanOrEqual(1);
  const { rows: ledger } = await ctx.pool.query('SELECT 1 FROM dial_ledger WHERE owner_id = $1 AND phone_e164 = $2', [
    me.id,
    held,
  ]);
  expect(ledger).toHaveLength(1); // campaign A's call only
});
