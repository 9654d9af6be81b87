/**
 * Campaigns end to end: the stack's real worker process runs `runCampaign` and its
 * PostgreSQL activities, and dials sipp through the telephony engine. The trunk, the audio
 * and the contact list are made through the API; the campaign row with SQL (test/support/
 * campaigns.ts). sipp routes by the number's last digit (test/sipp/uas-route-by-number.xml):
 * 1 busy, 2 rings until cancelled, anything else answers.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { headerValues, receivedRequests, type SippInstance, type SippMessage } from '../../scripts/services/sipp';
import { createCampaignActivities } from '../../activities/campaign.activities';
import {
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type CampaignWorkflow,
} from '../../workflows/definitions';
import type { ClaimedAttempt, ClaimRequest, ClaimResult } from '../../campaign/campaign-types';
import { adminToken, call, createUser, login } from '../support/api';
import { minioClient } from '../support/audio';
import { peakConcurrency, toneMessage } from '../support/campaign-e2e';
import {
  closeTemporalClient,
  insertCampaign,
  startCampaign,
  waitFor,
  type CampaignSpec,
} from '../support/campaign-runs';
import { uploadContacts } from '../support/contact-lists';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';
import { activityDeps } from '../support/temporal';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
let db: Pool;
let owner: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
  const user = await createUser();
  owner = { id: user.id, token: (await login(user.username, user.password)).access_token };
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await call('POST', path, { token: owner.token, body });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function trunk(sipp: SippInstance, limits: { maxConcurrentCalls: number; maxCallsPerSecond: number }) {
  const body = await post('/api/v1/trunks', {
    name: `campaign-gw-${sipp.port}-${Date.now()}`,
    host: '127.0.0.1',
    port: sipp.port,
    callerIdNumber: '+4930000000',
    ...limits,
  });
  return body.id as string;
}

/** A message of `seconds` of a 440 Hz tone, uploaded through the API. */
const audio = (seconds: number): Promise<string> => toneMessage(owner.token, seconds);

async function contactList(phones: readonly string[]): Promise<string> {
  const res = await uploadContacts(owner.token, `phone\n${phones.join('\n')}\n`, { name: `list ${Date.now()}` });
  if (res.status !== 201) throw new Error(`contacts: ${res.status} ${await res.text()}`);
  const report = (await res.json()) as { id: string; imported: number };
  expect(report.imported).toBe(phones.length);
  return report.id;
}

/** Berlin numbers whose last digit tells sipp what to do. */
const numbers = (digits: readonly string[]): string[] =>
  digits.map((d, i) => `+49301234${String(i).padStart(2, '0')}${d}`);

interface JournalRow {
  phone_e164: string;
  attempt: number;
  attempt_id: string;
  outcome: string;
  sip_code: number | null;
  invite_at: Date;
  answer_at: Date | null;
  end_at: Date;
  hung_up_by: string | null;
  end_reason: string;
  talk_ms: number | null;
  rtp: { packetsSent: number } | null;
  recording_key: string | null;
  recording_state: string;
  campaign_id: string;
}

async function journal(campaignIds: readonly string[]): Promise<JournalRow[]> {
  const { rows } = await db.query<JournalRow>(
    'SELECT * FROM call_record WHERE campaign_id = ANY($1) ORDER BY phone_e164, attempt',
    [campaignIds],
  );
  return rows;
}

async function contacts(campaignId: string) {
  const { rows } = await db.query<{
    phone_e164: string;
    state: string;
    attempts: number;
    final_outcome: string | null;
  }>('SELECT phone_e164, state, attempts, final_outcome FROM campaign_contact WHERE campaign_id = $1 ORDER BY line', [
    campaignId,
  ]);
  return rows;
}

const countOf = (sipp: SippInstance, direction: 'sent' | 'received', start: string): number =>
  sipp.messages().filter((m) => m.direction === direction && m.startLine.startsWith(start)).length;

/** A port `p` with `p + 1` free too (a moment ago). */
/**
 * Two consecutive UDP ports nothing holds, for the workers' SIP range: outside the
 * ephemeral range (where the suite's other SIP user agents bind port 0 at any moment) and
 * above the RTP ranges; checked with UDP binds, as SIP binds them.
 */
async function twoFreePorts(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 24_000 + 2 * Math.floor(Math.random() * 4000);
    if ((await udpPortFree(port)) && (await udpPortFree(port + 1))) return port;
  }
  throw new Error('no two consecutive free UDP ports');
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** The workflow's result; after `timeoutMs` fails with the journal, the contacts and sipp's logs. */
async function finished(
  handle: WorkflowHandle<CampaignWorkflow>,
  campaignId: string,
  sipp: SippInstance,
  timeoutMs = 60_000,
) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const result = await Promise.race([handle.result() as Promise<unknown>, timeout]);
  clearTimeout(timer);
  if (result !== 'timeout') return result;
  const rows = (await journal([campaignId])).map((r) => `${r.attempt_id} ${r.phone_e164} ${r.outcome} ${r.end_reason}`);
  const state = (await contacts(campaignId)).map((c) => `${c.phone_e164} ${c.state} ${c.attempts} ${c.final_outcome}`);
  const pending = ((await handle.describe()).raw.pendingActivities ?? []).map(
    (a) => `${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message}`,
  );
  const { logsDir } = readStack();
  const worker = readdirSync(logsDir)
    .filter((f) => f.includes('worker'))
    .map((f) => `--- ${f}\n${readFileSync(join(logsDir, f), 'utf8').slice(-4000)}`)
    .join('\n');
  throw new Error(
    `campaign not finished\n${rows.join('\n')}\n--\n${state.join('\n')}\n${pending.join('\n')}\n${sipp.diagnostics()}\n${worker}`,
  );
}

async function setUp(
  scenarioCalls: number,
  phones: readonly string[],
  spec: Partial<CampaignSpec>,
  options: { audioSeconds?: number; trunk?: { maxConcurrentCalls: number; maxCallsPerSecond: number } } = {},
) {
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: scenarioCalls, timeoutMs: 90_000 });
  const [trunkId, audioId, contactListId] = await Promise.all([
    trunk(sipp, options.trunk ?? { maxConcurrentCalls: 10, maxCallsPerSecond: 20 }),
    audio(options.audioSeconds ?? 1),
    contactList(phones),
  ]);
  return { sipp, base: { ownerId: owner.id, trunkId, audioId, contactListId, ...spec } };
}

test('20 numbers, mixed outcomes: retries per policy, completion, journal and recordings exactly right', async () => {
  // 10 answer, 5 busy, 5 never answer; busy and no answer are retried once, 1 s later.
  const digits = Array.from({ length: 20 }, (_, i) => ['0', '1', '2', '5'][i % 4]);
  const phones = numbers(digits);
  const expectedCalls = 10 + 5 * 2 + 5 * 2;
  const { sipp, base } = await setUp(expectedCalls, phones, {});
  const campaign = await insertCampaign(db, {
    ...base,
    maxConcurrentCalls: 5,
    maxAttempts: 2,
    retryDelaySeconds: 1,
    ringTimeoutSeconds: 2,
    recordingsPrivate: true,
    callerIdNumber: '+4930999999',
  });
  const handle = await startCampaign(campaign);
  expect(await finished(handle, campaign.id, sipp)).toEqual({
    status: 'completed',
    callsStarted: expectedCalls,
    runs: 1,
  });
  await expectSippExit(sipp, 0); // exactly `expectedCalls` calls, each as the scenario says
  const invites = receivedRequests(sipp, 'INVITE');
  // The campaign's caller ID, not the trunk's (+4930000000), on every call.
  expect(new Set(invites.map((m) => /<sip:([^@]+)@/.exec(headerValues(m, 'From')[0])?.[1]))).toEqual(
    new Set(['+4930999999']),
  );

  const expected = (d: string) => (d === '1' ? 'busy' : d === '2' ? 'no_answer' : 'answered');
  const rows = await journal([campaign.id]);
  expect(rows).toHaveLength(expectedCalls);
  expect(new Set(rows.map((r) => r.attempt_id)).size).toBe(expectedCalls);
  for (const [i, phone] of phones.entries()) {
    const mine = rows.filter((r) => r.phone_e164 === phone);
    const outcome = expected(digits[i]);
    expect(mine.map((r) => [r.attempt, r.outcome])).toEqual(
      outcome === 'answered'
        ? [[1, 'answered']]
        : [
            [1, outcome],
            [2, outcome],
          ],
    );
    if (mine.length === 2) {
      expect(mine[1].invite_at.getTime()).toBeGreaterThanOrEqual(mine[0].end_at.getTime() + 1000 - 5);
    }
    for (const r of mine) {
      expect(r.sip_code).toBe({ answered: 200, busy: 486, no_answer: 487 }[outcome]);
      expect(r.recording_key !== null).toBe(outcome === 'answered');
    }
  }

  const state = await contacts(campaign.id);
  expect(state.map((c) => [c.phone_e164, c.state, c.attempts, c.final_outcome])).toEqual(
    phones.map((p, i) => [p, 'done', expected(digits[i]) === 'answered' ? 1 : 2, expected(digits[i])]),
  );
  expect(state.reduce((n, c) => n + c.attempts, 0)).toBe(rows.length);

  const { rows: campaignRows } = await db.query<{ status: string; started_at: Date; finished_at: Date }>(
    'SELECT status, started_at, finished_at FROM campaign WHERE id = $1',
    [campaign.id],
  );
  expect(campaignRows[0].status).toBe('completed');
  expect(campaignRows[0].finished_at.getTime()).toBeGreaterThan(campaignRows[0].started_at.getTime());

  const minio = minioClient();
  const bucket = readStack().env.MINIO_BUCKET_RECORDINGS ?? 'voicecast-recordings';
  const { rows: recorded } = await db.query<{ recording_key: string; recording_private: boolean }>(
    'SELECT recording_key, recording_private FROM call_record WHERE campaign_id = $1 AND recording_key IS NOT NULL',
    [campaign.id],
  );
  expect(recorded).toHaveLength(10);
  for (const r of recorded) {
    expect(r.recording_private).toBe(true);
    const stat = await minio.statObject(bucket, r.recording_key);
    expect(stat.size).toBeGreaterThan(44 + 8000); // more than half a second of what sipp played
  }
});

test('cancel during live calls: answered calls get BYE, ringing ones CANCEL, the rest is cancelled', async () => {
  const digits = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? '0' : '2'));
  const phones = numbers(digits);
  const { sipp, base } = await setUp(4, phones, {}, { audioSeconds: 20 });
  const campaign = await insertCampaign(db, {
    ...base,
    maxConcurrentCalls: 4,
    maxAttempts: 3,
    ringTimeoutSeconds: 60,
    maxCallSeconds: 60,
  });
  const handle = await startCampaign(campaign);
  await waitFor('4 live calls, 2 of them answered', async () => {
    const { rows } = await db.query('SELECT 1 FROM call_record WHERE campaign_id = $1', [campaign.id]);
    return countOf(sipp, 'sent', 'SIP/2.0 180') >= 4 && rows.length >= 2;
  });
  await handle.signal(cancelSignal);
  expect(await handle.result()).toEqual({ status: 'cancelled', callsStarted: 4, runs: 1 });
  await expectSippExit(sipp, 0);
  expect(countOf(sipp, 'received', 'INVITE ')).toBe(4);

  const rows = await journal([campaign.id]);
  const answered = rows.filter((r) => r.answer_at !== null);
  const unanswered = rows.filter((r) => r.answer_at === null);
  expect(rows).toHaveLength(4);
  expect(answered.map((r) => [r.outcome, r.hung_up_by])).toEqual([
    ['answered', 'us'],
    ['answered', 'us'],
  ]);
  expect(unanswered.map((r) => r.outcome)).toEqual(['cancelled', 'cancelled']);
  expect(countOf(sipp, 'received', 'BYE ')).toBe(answered.length);
  expect(countOf(sipp, 'received', 'CANCEL ')).toBe(unanswered.length);

  const state = await contacts(campaign.id);
  const answeredPhones = new Set(answered.map((r) => r.phone_e164));
  for (const c of state) {
    expect([c.state, c.final_outcome]).toEqual(
      answeredPhones.has(c.phone_e164) ? ['done', 'answered'] : ['cancelled', 'cancelled'],
    );
  }
  expect(state.reduce((n, c) => n + c.attempts, 0)).toBe(4);
  const { rows: status } = await db.query('SELECT status FROM campaign WHERE id = $1', [campaign.id]);
  expect(status[0]).toEqual({ status: 'cancelled' });
});

test('pause lets the calls in flight finish and places no new one until resume', async () => {
  const phones = numbers(Array.from({ length: 10 }, () => '0'));
  const { sipp, base } = await setUp(10, phones, {});
  const campaign = await insertCampaign(db, { ...base, maxConcurrentCalls: 2 });
  const handle = await startCampaign(campaign);
  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql, [campaign.id])).rows[0].n);
  const finishedCalls = () =>
    count(`SELECT count(*) AS n FROM call_record WHERE campaign_id = $1 AND end_reason <> 'call in progress'`);
  const inFlight = () =>
    count(`SELECT count(*) AS n FROM campaign_contact WHERE campaign_id = $1 AND state = 'in_flight'`);
  await waitFor('2 calls finished', async () => (await finishedCalls()) >= 2);
  await handle.signal(pauseSignal);
  await waitFor('paused with nothing in flight', async () => {
    const { rows } = await db.query<{ status: string }>('SELECT status FROM campaign WHERE id = $1', [campaign.id]);
    return rows[0].status === 'paused' && (await inFlight()) === 0;
  });
  const calls = await finishedCalls();
  const invites = countOf(sipp, 'received', 'INVITE ');
  expect(calls).toBeLessThan(10);
  await new Promise((r) => setTimeout(r, 2000));
  expect([await finishedCalls(), countOf(sipp, 'received', 'INVITE '), await inFlight()]).toEqual([calls, invites, 0]);
  await handle.signal(resumeSignal);
  expect(await finished(handle, campaign.id, sipp)).toEqual({ status: 'completed', callsStarted: 10, runs: 1 });
  await expectSippExit(sipp, 0);
  expect((await journal([campaign.id])).map((r) => r.outcome)).toEqual(Array.from({ length: 10 }, () => 'answered'));
});

test('a closed calling window places no calls until it opens; the counters then agree with the journal exactly', async () => {
  const phones = numbers(['0', '0', '1', '0']); // three answer, one is busy (not retried here)
  const { sipp, base } = await setUp(4, phones, {});
  // The window opens a few seconds from now (UTC, to the second) and stays open a minute.
  const opensAt = new Date(Math.ceil((Date.now() + 4000) / 1000) * 1000);
  const hhmmss = (d: Date) => d.toISOString().slice(11, 19);
  const day = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[opensAt.getUTCDay()];
  const campaign = await insertCampaign(db, {
    ...base,
    maxAttempts: 1,
    callingWindow: {
      days: [day],
      from: hhmmss(opensAt),
      to: hhmmss(new Date(opensAt.getTime() + 60_000)),
      timezone: 'UTC',
    },
  });
  const handle = await startCampaign(campaign);
  expect(await finished(handle, campaign.id, sipp)).toEqual({ status: 'completed', callsStarted: 4, runs: 1 });
  await expectSippExit(sipp, 0);
  const rows = await journal([campaign.id]);
  expect(Math.min(...rows.map((r) => r.invite_at.getTime()))).toBeGreaterThanOrEqual(opensAt.getTime());
  // Status and counters in the DB against the journal: one row per attempt, final outcomes equal.
  const state = await contacts(campaign.id);
  expect(state.every((c) => c.state === 'done')).toBe(true);
  expect(state.reduce((sum, c) => sum + c.attempts, 0)).toBe(rows.length);
  const byOutcome = (values: readonly (string | null)[]): Record<string, number> =>
    Object.fromEntries([...new Set(values)].map((v) => [String(v), values.filter((x) => x === v).length]));
  expect(byOutcome(state.map((c) => c.final_outcome))).toEqual(byOutcome(rows.map((r) => r.outcome)));
  expect(byOutcome(rows.map((r) => r.outcome))).toEqual({ answered: 3, busy: 1 });
  const { rows: status } = await db.query<{ status: string; finished_at: Date | null }>(
    'SELECT status, finished_at FROM campaign WHERE id = $1',
    [campaign.id],
  );
  expect(status[0]).toMatchObject({ status: 'completed', finished_at: expect.any(Date) });
});

test("two campaigns on one trunk hold the trunk's concurrency and calls-per-second limits together", async () => {
  const phonesA = numbers(Array.from({ length: 6 }, () => '0'));
  const phonesB = numbers(Array.from({ length: 6 }, () => '5'));
  const { sipp, base } = await setUp(
    12,
    [...phonesA, ...phonesB],
    {},
    {
      trunk: { maxConcurrentCalls: 2, maxCallsPerSecond: 4 },
    },
  );
  const listB = await contactList(phonesB);
  const listA = await contactList(phonesA);
  const a = await insertCampaign(db, { ...base, contactListId: listA, maxConcurrentCalls: 3 });
  const b = await insertCampaign(db, { ...base, contactListId: listB, maxConcurrentCalls: 3 });
  const results = await Promise.all([startCampaign(a), startCampaign(b)].map(async (h) => (await h).result()));
  expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
  await expectSippExit(sipp, 0);

  const rows = await journal([a.id, b.id]);
  expect(rows).toHaveLength(12);
  expect(rows.every((r) => r.outcome === 'answered')).toBe(true);
  // At most 2 calls at any instant, across both campaigns (and 2 were reached).
  expect(peakConcurrency(rows)).toBe(2);
  // 4 calls per second: starts at least 250 ms apart (a few ms for the worker's clock reading).
  const starts = rows.map((r) => r.invite_at.getTime()).sort((x, y) => x - y);
  const gaps = starts.slice(1).map((t, i) => t - starts[i]);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(240);
});

test('a slow campaign on a shared trunk paces only itself: a faster one keeps its own rate', async () => {
  const phonesSlow = numbers(Array.from({ length: 4 }, () => '0'));
  const phonesFast = numbers(Array.from({ length: 6 }, () => '5'));
  const trunkLimits = { maxConcurrentCalls: 20, maxCallsPerSecond: 20 };
  const { sipp, base } = await setUp(10, [...phonesSlow, ...phonesFast], {}, { trunk: trunkLimits });
  const [listSlow, listFast] = [await contactList(phonesSlow), await contactList(phonesFast)];
  const slow = await insertCampaign(db, {
    ...base,
    contactListId: listSlow,
    maxConcurrentCalls: 10,
    callsPerSecond: 0.5,
  });
  const fast = await insertCampaign(db, {
    ...base,
    contactListId: listFast,
    maxConcurrentCalls: 10,
    callsPerSecond: 10,
  });
  const results = await Promise.all([startCampaign(slow), startCampaign(fast)].map(async (h) => (await h).result()));
  expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
  await expectSippExit(sipp, 0);
  const startsOf = async (id: string) => (await journal([id])).map((r) => r.invite_at.getTime()).sort((x, y) => x - y);
  const gaps = (starts: number[]) => starts.slice(1).map((t, i) => t - starts[i]);
  const [slowStarts, fastStarts] = [await startsOf(slow.id), await startsOf(fast.id)];
  // Each campaign keeps its own rate (a few ms for the worker's clock reading; a call the
  // trunk's slot delayed may start up to one trunk interval, 50 ms, closer to the next)…
  expect(Math.min(...gaps(slowStarts))).toBeGreaterThanOrEqual(1990 - 50);
  expect(fastStarts[5] - fastStarts[0]).toBeGreaterThanOrEqual(500 - 50 - 10);
  // …and the fast one is not dragged to the slow one's: six calls at 10/s take about 0.5 s, not 2 s a call.
  expect(fastStarts[5] - fastStarts[0]).toBeLessThan(2000);
  // The trunk's 20 per second across both: the start slots handed out (the dial ledger, on the
  // database's clock) are at least 50 ms apart (the journal's times carry the worker's wake-up jitter).
  const { rows: slots } = await db.query<{ dialled_at: Date }>(
    `SELECT dialled_at FROM dial_ledger WHERE attempt_id IN (SELECT attempt_id FROM call_record WHERE campaign_id = ANY($1))
     ORDER BY dialled_at`,
    [[slow.id, fast.id]],
  );
  expect(slots).toHaveLength(10);
  expect(Math.min(...gaps(slots.map((r) => r.dialled_at.getTime())))).toBeGreaterThanOrEqual(49);
});

test('placeCall run twice at once and once more with the same attempt: one call, one journal row, one result', async () => {
  const { sipp, base } = await setUp(1, numbers(['0']), {});
  const campaign = await insertCampaign(db, { ...base, maxAttempts: 1 });
  const { deps, close } = activityDeps();
  try {
    const activities = createCampaignActivities(deps);
    // Each run gets its own activity context, as two executions on two workers would.
    const claim: ClaimResult = await new MockActivityEnvironment().run(
      (input: ClaimRequest) => activities.claimDueAttempts(input),
      { campaignId: campaign.id, limit: 5, claimKey: randomUUID(), adopt: false },
    );
    expect(claim.attempts).toHaveLength(1);
    const attempt = claim.attempts[0];
    const place = () =>
      new MockActivityEnvironment().run(
        (input: { campaignId: string; attempt: ClaimedAttempt }) => activities.placeCall(input),
        { campaignId: campaign.id, attempt },
      );
    const [one, two] = await Promise.allSettled([place(), place()]);
    const report = { attemptId: attempt.attemptId, outcome: 'answered', retryAt: null };
    // One placed the call; the other found the attempt's lease held and backed off (Temporal
    // retries it), or came after the journal row and returned it.
    const fulfilled = [one, two].filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const rejected = [one, two].filter((r) => r.status === 'rejected').map((r) => (r.reason as Error).name);
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const value of fulfilled) expect(value).toEqual(report);
    expect(rejected.every((name) => name === 'AttemptBusyError')).toBe(true);
    expect(await place()).toEqual(report);
    await expectSippExit(sipp, 0);
    expect(countOf(sipp, 'received', 'INVITE ')).toBe(1);
    expect((await journal([campaign.id])).map((r) => r.attempt_id)).toEqual([attempt.attemptId]);
    const again = await new MockActivityEnvironment().run((input: ClaimRequest) => activities.claimDueAttempts(input), {
      campaignId: campaign.id,
      limit: 5,
      claimKey: randomUUID(),
      adopt: false,
    });
    // The installation's default tenant limit (TENANT_MAX_CONCURRENT_CALLS, 100) caps the campaign.
    expect(again).toEqual({ attempts: [], nextDueAt: null, open: 0, concurrencyCap: 100 });
  } finally {
    await close();
  }
});

/** The owner's concurrent-call limit, set as an administrator would (null: the installation's default). */
async function setLimit(maxConcurrentCalls: number | null): Promise<void> {
  const res = await call('PUT', `/api/v1/users/${owner.id}/limits`, {
    token: await adminToken(),
    body: { maxConcurrentCalls },
  });
  expect(res.status).toBe(200);
}

test('one worker carries more calls at once than the SDK default of 100 running activities', async () => {
  const phones = Array.from({ length: 120 }, (_, i) => `+4930555${String(i).padStart(4, '0')}0`);
  const trunkLimits = { maxConcurrentCalls: 500, maxCallsPerSecond: 500 };
  const { sipp, base } = await setUp(120, phones, {}, { audioSeconds: 6, trunk: trunkLimits });
  const campaign = await insertCampaign(db, { ...base, maxConcurrentCalls: 120, callsPerSecond: 500, record: false });
  // Above the default tenant limit (TENANT_MAX_CONCURRENT_CALLS, 100): raised for this owner
  // the way an operator would, through the admin API, and put back afterwards.
  await setLimit(200);
  try {
    const handle = await startCampaign(campaign);
    expect(await finished(handle, campaign.id, sipp, 90_000)).toMatchObject({ status: 'completed', callsStarted: 120 });
    await expectSippExit(sipp, 0);
    const rows = await journal([campaign.id]);
    expect(rows.filter((r) => r.outcome === 'answered')).toHaveLength(120);
    expect(peakConcurrency(rows)).toBe(120);
  } finally {
    await setLimit(null);
  }
});

test("maxConcurrentCalls above the owner's limit: the claim and the workflow keep calls to the limit", async () => {
  // Campaign 8 at once, trunk 10, owner 3: without the clamp 8 call activities would run, 5
  // of them holding worker slots while they wait in `leases` for the owner's place.
  const phones = Array.from({ length: 9 }, (_, i) => `+4930556${String(i).padStart(4, '0')}0`);
  const { sipp, base } = await setUp(9, phones, {}, { audioSeconds: 2 });
  const campaign = await insertCampaign(db, { ...base, maxConcurrentCalls: 8, record: false });
  await setLimit(3);
  try {
    // The claim alone: asked for 8 with 1 in flight, it hands out 2 and says why.
    const { deps, close } = activityDeps();
    try {
      const activities = createCampaignActivities(deps);
      const probe = await insertCampaign(db, { ...base, maxConcurrentCalls: 8, record: false });
      const claim: ClaimResult = await new MockActivityEnvironment().run(
        (input: ClaimRequest) => activities.claimDueAttempts(input),
        { campaignId: probe.id, limit: 8, claimKey: randomUUID(), adopt: false, inFlight: 1 },
      );
      expect([claim.attempts.length, claim.concurrencyCap]).toEqual([2, 3]);
      // Never started: put away, so nothing can pick its claimed contacts up.
      await db.query(`UPDATE campaign SET status = 'cancelled' WHERE id = $1`, [probe.id]);
      await db.query(`UPDATE campaign_contact SET state = 'cancelled' WHERE campaign_id = $1`, [probe.id]);
    } finally {
      await close();
    }
    const handle = await startCampaign(campaign);
    // Sampled through the run: the call activities Temporal holds for the campaign, and the
    // workflow's own count.
    let most = 0;
    const limitsSeen = new Set<number>();
    let apiLive: { maxInFlight?: number } | undefined;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [progress, described] = await Promise.all([
          handle.query(progressQuery).catch(() => undefined),
          handle.describe().catch(() => undefined),
        ]);
        const pending = (described?.raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'placeCall');
        most = Math.max(most, progress?.inFlight.length ?? 0, pending.length);
        if (progress?.maxInFlight !== undefined) limitsSeen.add(progress.maxInFlight);
        if (progress?.maxInFlight === 3 && !apiLive) {
          // The owner sees the limit that binds in the campaign's live view.
          const res = await call('GET', `/api/v1/campaigns/${campaign.id}`, { token: owner.token });
          apiLive = ((await res.json()) as { live?: { maxInFlight?: number } }).live;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      expect(await finished(handle, campaign.id, sipp, 60_000)).toMatchObject({ status: 'completed', callsStarted: 9 });
    } finally {
      sampling = false;
      await sampler;
    }
    await expectSippExit(sipp, 0);
    const rows = await journal([campaign.id]);
    expect(rows.filter((r) => r.outcome === 'answered')).toHaveLength(9);
    expect(peakConcurrency(rows)).toBe(3);
    expect(most).toBe(3);
    // maxConcurrentCalls (8) until the first claim has read the owner's limit, then 3.
    expect([...limitsSeen].filter((n) => n !== 8 && n !== 3)).toEqual([]);
    expect(limitsSeen.has(3)).toBe(true);
    expect(apiLive?.maxInFlight).toBe(3);
  } finally {
    await setLimit(null);
  }
});

describe('with workers of its own', () => {
  const workers: ExtraWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.app.stop()));
  });

  test('SIGKILL of the worker mid-campaign, then a new one: nothing lost, no answered contact called twice', async () => {
    // 8 answer (3 s message), 4 busy (retried once).
    const digits = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? '1' : '0'));
    const phones = numbers(digits);
    const { sipp, base } = await setUp(1000, phones, {}, { audioSeconds: 3 });
    const campaign = await insertCampaign(db, { ...base, maxConcurrentCalls: 4, maxAttempts: 2 });
    const taskQueue = `campaign-kill-${campaign.id}`;
    workers.push(await startExtraWorker(taskQueue));
    const handle = await startCampaign(campaign, taskQueue);
    await waitFor('an answered call finished and another one live', async () => {
      const { rows } = await db.query<{ end_reason: string }>(
        `SELECT end_reason FROM call_record WHERE campaign_id = $1 AND outcome = 'answered'`,
        [campaign.id],
      );
      return rows.some((r) => r.end_reason === 'call in progress') && rows.length >= 2;
    });
    workers[0].kill();
    // What the dead worker had journalled as answered (finished, or live when it died).
    const answeredBefore = new Set((await journal([campaign.id])).filter((r) => r.answer_at).map((r) => r.phone_e164));
    workers.push(await startExtraWorker(taskQueue));
    expect(await finished(handle, campaign.id, sipp, 90_000)).toMatchObject({ status: 'completed' });

    const rows = await journal([campaign.id]);
    const state = await contacts(campaign.id);
    expect(state.every((c) => c.state === 'done')).toBe(true);
    expect(state.reduce((n, c) => n + c.attempts, 0)).toBe(rows.length);
    const messages = sipp.messages();
    const callId = (m: SippMessage) => headerValues(m, 'Call-ID')[0];
    const received = messages.filter((m) => m.direction === 'received');
    // An ACK to a 200 goes to the gateway's Contact, not to the number: match it by Call-ID.
    const acks = new Set(received.filter((m) => m.startLine.startsWith('ACK ')).map(callId));
    for (const [i, phone] of phones.entries()) {
      const mine = rows.filter((r) => r.phone_e164 === phone).map((r) => r.outcome);
      if (digits[i] !== '0') {
        expect([phone, mine]).toEqual([phone, ['busy', 'busy']]);
        continue;
      }
      expect([phone, mine]).toEqual([phone, ['answered']]);
      const calls = new Set(received.filter((m) => m.startLine.startsWith(`INVITE sip:${phone}@`)).map(callId));
      // Never called again once the journal knew of the answer. A call the worker died in
      // before the answer reached it (no ACK from us) is placed again: that answer was never ours.
      if (answeredBefore.has(phone)) expect([phone, calls.size]).toEqual([phone, 1]);
      const acked = [...calls].filter((id) => acks.has(id)).length;
      if (acked === 0) {
        // Killed after the answer row had committed and before its ACK left (the ACK waits for
        // that row: answer-hold.test.ts): the callee did answer, the journal says so with the
        // worker lost, and the contact is not dialled again.
        const ends = rows.filter((r) => r.phone_e164 === phone).map((r) => r.end_reason);
        expect([phone, ends, calls.size]).toEqual([phone, ['worker lost during the call'], 1]);
      } else {
        expect([phone, acked]).toEqual([phone, 1]);
      }
    }
    // The call cut by the kill is journalled as answered, its end marked as lost with the worker.
    expect(rows.filter((r) => r.end_reason === 'worker lost during the call').length).toBeGreaterThanOrEqual(1);
  });

  /** Starts a campaign of `phones` (all answer) on a worker of its own and waits until `live` calls are up. */
  async function campaignOnOwnWorker(
    phones: readonly string[],
    audioSeconds: number,
    graceSeconds: number,
    live: number,
  ) {
    const { sipp, base } = await setUp(phones.length, phones, {}, { audioSeconds });
    const campaign = await insertCampaign(db, { ...base, maxConcurrentCalls: live });
    const taskQueue = `campaign-drain-${campaign.id}`;
    workers.push(await startExtraWorker(taskQueue, { SHUTDOWN_GRACE_SECONDS: String(graceSeconds) }));
    const handle = await startCampaign(campaign, taskQueue);
    await waitFor(`${live} calls live`, async () => {
      const { rows } = await db.query(
        `SELECT 1 FROM call_record WHERE campaign_id = $1 AND end_reason = 'call in progress'`,
        [campaign.id],
      );
      return rows.length === live;
    });
    return { sipp, campaign, taskQueue, handle };
  }

  test('SIGTERM drains: the calls in flight play to the end, the worker exits 0, a new worker places the rest', async () => {
    const phones = numbers(Array.from({ length: 6 }, () => '0'));
    const { sipp, campaign, taskQueue, handle } = await campaignOnOwnWorker(phones, 3, 30, 3);
    const live = (await journal([campaign.id])).filter((r) => r.end_reason === 'call in progress');
    const sigterm = new Date();
    const exit = await workers[0].terminate();
    expect(exit).toMatchObject({ code: 0, signal: null });

    const drained = (await journal([campaign.id])).filter((r) => r.invite_at < sigterm);
    // Every call that was up at SIGTERM played its whole 3 s message (150 frames of 20 ms),
    // ended by our BYE, before the exit.
    expect(drained.map((r) => r.attempt_id).sort()).toEqual(live.map((r) => r.attempt_id).sort());
    for (const row of drained) {
      expect([row.phone_e164, row.outcome, row.hung_up_by]).toEqual([row.phone_e164, 'answered', 'us']);
      expect([row.phone_e164, row.rtp?.packetsSent]).toEqual([row.phone_e164, 150]);
      expect(row.end_at.getTime()).toBeLessThanOrEqual(exit.at.getTime());
    }
    // Nothing was placed while the worker drained: the rest waits for a worker that polls.
    expect((await journal([campaign.id])).length).toBe(live.length);
    workers.push(await startExtraWorker(taskQueue));
    expect(await finished(handle, campaign.id, sipp)).toMatchObject({ status: 'completed', callsStarted: 6 });
    await expectSippExit(sipp, 0); // exactly 6 calls: none placed twice
    const rows = await journal([campaign.id]);
    expect(rows.map((r) => [r.phone_e164, r.attempt, r.outcome])).toEqual(phones.map((p) => [p, 1, 'answered']));
    expect(rows.filter((r) => r.invite_at >= exit.at)).toHaveLength(phones.length - live.length);
  });

  test('SIGTERM with calls longer than the grace: they are hung up when it runs out, journalled, never called again', async () => {
    const phones = numbers(Array.from({ length: 4 }, () => '0'));
    const { sipp, campaign, taskQueue, handle } = await campaignOnOwnWorker(phones, 10, 2, 2);
    const sigterm = Date.now();
    const exit = await workers[0].terminate();
    expect(exit).toMatchObject({ code: 0, signal: null });
    // The grace (2 s), not the 10 s message, bounded the shutdown.
    expect(exit.at.getTime() - sigterm).toBeLessThan(10_000);
    const cut = await journal([campaign.id]);
    expect(cut).toHaveLength(2);
    for (const row of cut) {
      expect([row.outcome, row.hung_up_by]).toEqual(['answered', 'us']);
      expect(row.end_reason).not.toBe('call in progress');
      expect(row.rtp?.packetsSent).toBeLessThan(500); // 10 s would be 500 frames
    }
    workers.push(await startExtraWorker(taskQueue, { SHUTDOWN_GRACE_SECONDS: '30' }));
    expect(await finished(handle, campaign.id, sipp, 90_000)).toMatchObject({ status: 'completed', callsStarted: 4 });
    await expectSippExit(sipp, 0); // 4 calls: the two cut short were not placed again
    const rows = await journal([campaign.id]);
    expect(rows.map((r) => [r.phone_e164, r.outcome])).toEqual(phones.map((p) => [p, 'answered']));
  });

  test('object storage refusing the recording: the call is journalled once, as it happened, its recording kept pending', async () => {
    const phones = numbers(['0']);
    const { sipp, base } = await setUp(1, phones, {});
    const campaign = await insertCampaign(db, { ...base, maxAttempts: 2 });
    const taskQueue = `campaign-no-bucket-${campaign.id}`;
    // A recordings bucket that does not exist: every upload fails (NoSuchBucket). A spool of
    // its own, so that no other worker (with the real bucket) uploads the recording.
    const spoolDir = mkdtempSync(join(tmpdir(), 'voicecast-spool-'));
    workers.push(
      await startExtraWorker(taskQueue, {
        MINIO_BUCKET_RECORDINGS: `vc-missing-${Date.now()}`,
        RECORDING_SPOOL_DIR: spoolDir,
        RECORDING_UPLOAD_RETRY_INITIAL_SECONDS: '0.2',
      }),
    );
    try {
      const handle = await startCampaign(campaign, taskQueue);
      expect(await finished(handle, campaign.id, sipp, 90_000)).toMatchObject({ status: 'completed', callsStarted: 1 });
      await expectSippExit(sipp, 0); // one call: the failed upload did not make anyone call again
      const rows = await journal([campaign.id]);
      expect(rows.map((r) => [r.outcome, r.hung_up_by, r.recording_state])).toEqual([['answered', 'us', 'pending']]);
      expect(rows[0].recording_key).toMatch(/\.wav$/);
      expect(rows[0].end_reason).not.toMatch(/worker lost|in progress/);
      expect(rows[0].rtp?.packetsSent).toBe(50); // the whole 1 s message was played
      expect((await contacts(campaign.id)).map((c) => [c.state, c.attempts])).toEqual([['done', 1]]);
      // Retried (without limit) while the bucket is missing; the WAV waits in the spool.
      await waitFor('a retried upload', async () => {
        const { rows: uploads } = await db.query<{ tries: number; last_error: string }>(
          'SELECT tries, last_error FROM recording_upload u JOIN call_record r ON r.id = u.call_id WHERE r.campaign_id = $1',
          [campaign.id],
        );
        return uploads.length === 1 && uploads[0].tries >= 2 && /bucket/i.test(uploads[0].last_error);
      });
      expect(readdirSync(spoolDir).filter((f) => f.endsWith('.wav'))).toHaveLength(1);
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.app.stop()));
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });

  test('numbers under DIAL_DENIED_PREFIXES are journalled blocked with no INVITE; the others are called (F32)', async () => {
    // +49301234000, +49301234010, +49301234020, +49301234030: the 2nd and 4th are in denied ranges.
    const phones = numbers(['0', '0', '0', '0']);
    const { sipp, base } = await setUp(2, phones, {});
    const campaign = await insertCampaign(db, { ...base, maxConcurrentCalls: 4, maxAttempts: 3 });
    const taskQueue = `campaign-denied-${campaign.id}`;
    workers.push(await startExtraWorker(taskQueue, { DIAL_DENIED_PREFIXES: '+1900, +4930123401,+4930123403' }));
    const handle = await startCampaign(campaign, taskQueue);
    expect(await finished(handle, campaign.id, sipp)).toMatchObject({ status: 'completed' });
    await expectSippExit(sipp, 0); // exactly 2 calls
    const invited = receivedRequests(sipp, 'INVITE').map((m) => /sip:(\+?\d+)@/.exec(m.startLine)?.[1]);
    expect(invited.sort()).toEqual(['+49301234000', '+49301234020']);
    const rows = await journal([campaign.id]);
    expect(rows.map((r) => [r.phone_e164, r.attempt, r.outcome, r.sip_code])).toEqual([
      [phones[0], 1, 'answered', 200],
      [phones[1], 1, 'blocked', null],
      [phones[2], 1, 'answered', 200],
      [phones[3], 1, 'blocked', null],
    ]);
    expect(rows[1]?.end_reason).toBe(
      'number in +4930123401, a range this installation does not dial (DIAL_DENIED_PREFIXES): not dialled',
    );
    // Done for good: never retried, whatever maxAttempts allows.
    expect((await contacts(campaign.id)).map((c) => [c.state, c.attempts, c.final_outcome])).toEqual([
      ['done', 1, 'answered'],
      ['done', 1, 'blocked'],
      ['done', 1, 'answered'],
      ['done', 1, 'blocked'],
    ]);
  });

  test("two workers share one campaign and still hold the trunk's concurrency limit together", async () => {
    const phones = numbers(Array.from({ length: 12 }, () => '0'));
    const { sipp, base } = await setUp(12, phones, {}, { trunk: { maxConcurrentCalls: 3, maxCallsPerSecond: 50 } });
    const campaign = await insertCampaign(db, { ...base, maxConcurrentCalls: 6 });
    const taskQueue = `campaign-shared-${campaign.id}`;
    // Both workers get the same two-port SIP range: the one that binds second skips the busy port.
    const sipPort = await twoFreePorts();
    const env = { SIP_PORT_MIN: String(sipPort), SIP_PORT_MAX: String(sipPort + 1) };
    workers.push(...(await Promise.all([startExtraWorker(taskQueue, env), startExtraWorker(taskQueue, env)])));
    const handle = await startCampaign(campaign, taskQueue);
    expect(await finished(handle, campaign.id, sipp)).toMatchObject({ status: 'completed', callsStarted: 12 });
    await expectSippExit(sipp, 0);
    const rows = await journal([campaign.id]);
    expect(rows.map((r) => r.outcome)).toEqual(Array.from({ length: 12 }, () => 'answered'));
    expect(peakConcurrency(rows)).toBe(3);
    // Both workers placed calls: the INVITEs came from the two SIP ports of the range (one per worker's user agent).
    const sources = new Set(
      receivedRequests(sipp, 'INVITE').map((m) =>
        Number(/:(\d+)$/.exec(headerValues(m, 'Via')[0]?.split(';')[0] ?? '')?.[1]),
      ),
    );
    expect(sources).toEqual(new Set([sipPort, sipPort + 1]));
  });
});
