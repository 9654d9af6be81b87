/**
 * Calling windows on the callee's clock (`timezoneFrom: 'number'`), end to end: campaigns
 * created and started through the API (which tells each contact's zone from its number),
 * run by the stack's worker against a sipp gateway (test/sipp/uas-route-by-number.xml: a
 * number ending in 0 answers). Berlin is an hour ahead of London all year, so one window
 * read in local time opens an hour apart for the two; the windows are computed from now.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCampaignActivities } from '../../activities/campaign.activities';
import { deferClosedZones, numberWindow } from '../../activities/zone-claim';
import type { ClaimRequest, ClaimResult } from '../../campaign/campaign-types';
import { call, expectProblem } from '../support/api';
import {
  campaignBody,
  campaignParts,
  campaignTestContext,
  createCampaign,
  json,
  userToken,
} from '../support/campaigns';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { activityDeps } from '../support/temporal';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
const ctx = campaignTestContext();

const BERLIN = ['+49301234000', '+49301234010', '+49301234020'];
const LONDON = ['+442079460000', '+442079460010', '+442079460020'];
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `HH:MM:SS` of `at` on London's clock. */
const londonTime = (at: Date) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(at);

/** The next whole second at least `ms` from now. */
const secondsAhead = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);

/** A window of two hours opening at `opens` in London, so at `opens` − 1 h in Berlin. */
const windowOpeningInLondonAt = (opens: Date) => ({
  days: EVERY_DAY,
  from: londonTime(opens),
  to: londonTime(new Date(opens.getTime() + 2 * 3_600_000)),
  // Campaign-wide this (= London in winter) would hold back Berlin too.
  timezone: 'UTC',
  timezoneFrom: 'number',
});

interface ContactRow {
  id: string;
  phone_e164: string;
  state: string;
  attempts: number;
  next_attempt_at: Date;
  time_zones: string | null;
  final_outcome: string | null;
}

async function contacts(campaignId: string): Promise<ContactRow[]> {
  const { rows } = await ctx.pool.query<ContactRow>(
    `SELECT id, phone_e164, state, attempts, next_attempt_at, time_zones, final_outcome
     FROM campaign_contact WHERE campaign_id = $1 ORDER BY line`,
    [campaignId],
  );
  return rows;
}

test('each number is called only once its own local window is open, and every contact completes', async () => {
  const { token } = await userToken();
  const phones = [...BERLIN, ...LONDON];
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 90_000 });
  const parts = await campaignParts(token, 0, { port: sipp.port, phones });
  const londonOpens = secondsAhead(10_000);
  const created = await createCampaign(token, parts, {
    maxAttempts: 1,
    maxConcurrentCalls: 3,
    callingWindow: windowOpeningInLondonAt(londonOpens),
  });
  expect(created.callingWindow).toMatchObject({ timezoneFrom: 'number' });
  const startedAt = Date.now();
  await ctx.start(token, created.id);

  // Told at start: Berlin (open since an hour ago) is due now (and may be called already), London at its opening.
  const atStart = await contacts(created.id);
  expect(atStart.map((c) => [c.phone_e164, c.time_zones, c.attempts])).toEqual([
    ...BERLIN.map((p) => [p, 'Europe/Berlin', expect.any(Number) as unknown]),
    ...LONDON.map((p) => [p, 'Europe/London', 0]),
  ]);
  for (const c of atStart.filter((r) => r.time_zones === 'Europe/London')) {
    expect(c.next_attempt_at).toEqual(londonOpens);
  }
  for (const c of atStart.filter((r) => r.time_zones === 'Europe/Berlin')) {
    expect(c.next_attempt_at.getTime()).toBeLessThanOrEqual(Date.now());
  }

  const result = await ctx.temporal.workflow.getHandle(`campaign-${created.id}`).result();
  expect(result).toEqual({ status: 'completed', callsStarted: phones.length, runs: 1 });
  await expectSippExit(sipp, 0);

  const { rows: journal } = await ctx.pool.query<{ phone_e164: string; invite_at: Date; outcome: string }>(
    'SELECT phone_e164, invite_at, outcome FROM call_record WHERE campaign_id = $1 ORDER BY phone_e164',
    [created.id],
  );
  expect(journal.map((r) => [r.phone_e164, r.outcome]).sort()).toEqual(phones.map((p) => [p, 'answered']).sort());
  for (const row of journal) {
    if (LONDON.includes(row.phone_e164)) {
      // Never before London's window opened.
      expect(row.invite_at.getTime()).toBeGreaterThanOrEqual(londonOpens.getTime());
    } else {
      // Berlin's window was open all along: called at once, not held back to London's (or the campaign's) opening.
      expect(row.invite_at.getTime()).toBeGreaterThanOrEqual(startedAt);
      expect(row.invite_at.getTime()).toBeLessThan(londonOpens.getTime());
    }
  }
  const done = await contacts(created.id);
  expect(done.map((c) => [c.phone_e164, c.state, c.attempts, c.final_outcome])).toEqual(
    phones.map((p) => [p, 'done', 1, 'answered']),
  );
});

test('a due contact whose window has closed is moved to its opening by the claim, without using an attempt', async () => {
  const { token } = await userToken();
  const parts = await campaignParts(token, 0, { phones: [...BERLIN, ...LONDON] });
  // Berlin opens in a few seconds, London an hour later; the campaign is paused before Berlin opens.
  const londonOpens = new Date(secondsAhead(5_000).getTime() + 3_600_000);
  const berlinOpens = new Date(londonOpens.getTime() - 3_600_000);
  const created = await createCampaign(token, parts, { callingWindow: windowOpeningInLondonAt(londonOpens) });
  await ctx.start(token, created.id);
  await json(await call('POST', `/api/v1/campaigns/${created.id}/pause`, { token }), 200);
  expect((await contacts(created.id)).map((c) => c.next_attempt_at.getTime())).toEqual([
    ...BERLIN.map(() => berlinOpens.getTime()),
    ...LONDON.map(() => londonOpens.getTime()),
  ]);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, berlinOpens.getTime() - Date.now() + 200)));
  // As if a retry had come due in London's night: every contact is due now.
  await ctx.pool.query(
    `UPDATE campaign_contact SET next_attempt_at = now() - interval '1 second' WHERE campaign_id = $1`,
    [created.id],
  );

  // Moved a bounded number at a time: one now, the rest by the claim.
  const client = await ctx.pool.connect();
  try {
    const window = await numberWindow(client, created.id);
    if (!window) throw new Error('the campaign has no window on the callee clock');
    expect(await deferClosedZones(client, created.id, window, new Date(), 1)).toEqual({
      open: ['Europe/Berlin'],
      moved: 1,
    });
  } finally {
    client.release();
  }
  const { deps, close } = activityDeps();
  try {
    const activities = createCampaignActivities(deps);
    const claim: ClaimResult = await new MockActivityEnvironment().run(
      (input: ClaimRequest) => activities.claimDueAttempts(input),
      { campaignId: created.id, limit: 10, claimKey: randomUUID(), adopt: false },
    );
    // Claims carry contact ids only (no numbers in Temporal, F29): the ids are Berlin's contacts.
    const phoneOf = new Map((await contacts(created.id)).map((c) => [String(c.id), c.phone_e164]));
    expect(claim.attempts.map((a) => phoneOf.get(a.campaignContactId)).sort()).toEqual([...BERLIN].sort());
    expect(claim.attempts.every((a) => !('phone' in a))).toBe(true);
    expect(claim.nextDueAt).toBe(londonOpens.toISOString());
    expect(claim.open).toBe(1); // contacts are left (Berlin in flight, London waiting)
  } finally {
    await close();
  }
  const after = await contacts(created.id);
  expect(after.map((c) => [c.phone_e164, c.state, c.attempts])).toEqual([
    ...BERLIN.map((p) => [p, 'in_flight', 1]),
    ...LONDON.map((p) => [p, 'pending', 0]),
  ]);
  for (const c of after.slice(BERLIN.length)) expect(c.next_attempt_at).toEqual(londonOpens);
});

test('timezoneFrom other than campaign or number is refused with 422 naming the field', async () => {
  const { token } = await userToken();
  const parts = await campaignParts(token, 1);
  const window = { days: ['mon'], from: '09:00', to: '18:00', timezone: 'Europe/Berlin', timezoneFrom: 'callee' };
  const res = await call('POST', '/api/v1/campaigns', { token, body: campaignBody(parts, { callingWindow: window }) });
  const problem = (await expectProblem(res, 422, 'validation-error')) as { errors: { field: string }[] };
  expect(problem.errors.map((e) => e.field)).toEqual(['body.callingWindow.timezoneFrom']);
});
