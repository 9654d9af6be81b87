/**
 * The blocklist at dial time and the opt-out key, end to end: the stack's worker runs the
 * campaign and dials sipp. A number blocked before its first attempt, or while it waits for
 * a retry, is never sent an INVITE: its attempt is journalled `blocked` and the contact is
 * done. A callee who presses the opt-out key (RFC 4733, sipp's pcap) is put on the blocklist
 * and hung up on at once; a later campaign does not call the number.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Pool } from 'pg';
import { recordOptOut } from '../../activities/blocklist';
import { recordAnswer } from '../../activities/call-journal';
import { createCampaignActivities } from '../../activities/campaign.activities';
import type { ClaimedAttempt, ClaimRequest, ClaimResult } from '../../campaign/campaign-types';
import { headerValues, sippMessages, type SippInstance } from '../../scripts/services/sipp';
import type { CampaignWorkflow } from '../../workflows/definitions';
import { call } from '../support/api';
import { closeTemporalClient, insertCampaign, startCampaign, waitFor } from '../support/campaign-runs';
import { json, userToken } from '../support/campaigns';
import { gatewayParts, phoneList } from '../support/gateway-campaigns';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';
import { activityDeps } from '../support/temporal';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
let db: Pool;
let owner: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
  owner = await userToken();
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

interface JournalRow {
  id: string;
  phone_e164: string;
  attempt: number;
  outcome: string;
  sip_code: number | null;
  answer_at: Date | null;
  hung_up_by: string | null;
  end_reason: string;
  talk_ms: number | null;
  opted_out: boolean;
  dtmf: { digit: string; source: string }[];
}

async function journal(campaignId: string): Promise<JournalRow[]> {
  const { rows } = await db.query<JournalRow>(
    'SELECT * FROM call_record WHERE campaign_id = $1 ORDER BY phone_e164, attempt',
    [campaignId],
  );
  return rows;
}

async function contacts(campaignId: string): Promise<[string, string, number, string | null][]> {
  const { rows } = await db.query<{ phone_e164: string; state: string; attempts: number; final_outcome: string }>(
    'SELECT phone_e164, state, attempts, final_outcome FROM campaign_contact WHERE campaign_id = $1 ORDER BY line',
    [campaignId],
  );
  return rows.map((r) => [r.phone_e164, r.state, r.attempts, r.final_outcome]);
}

/** The workflow's result, or a failure quoting the journal and sipp's logs after `timeoutMs`. */
async function finished(handle: WorkflowHandle<CampaignWorkflow>, campaignId: string, sipp: SippInstance) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000)));
  const result = await Promise.race([handle.result(), timeout]);
  clearTimeout(timer);
  if (result !== 'timeout') return result;
  const rows = (await journal(campaignId)).map((r) => `${r.phone_e164} ${r.attempt} ${r.outcome} ${r.end_reason}`);
  throw new Error(`campaign not finished\n${rows.join('\n')}\n${sipp.diagnostics()}`);
}

const invitesTo = (sipp: SippInstance, phone: string): number =>
  sippMessages(sipp, 'received', `INVITE sip:${phone}@`).length;

const addToBlocklist = async (body: Record<string, unknown>) =>
  json<{ id: string; phone: string }>(await call('POST', '/api/v1/blocklist', { token: owner.token, body }), 201);

test('a number blocked before its first call, or while it waits for a retry, gets no further INVITE: journalled blocked', async () => {
  // sipp answers by the last digit: 1 busy, 0 answers.
  const [early, midway, busy, answers] = ['+493012340011', '+493012340021', '+493012340031', '+493012340040'];
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: 4, timeoutMs: 90_000 });
  const parts = await gatewayParts(owner.token, sipp, [early, midway, busy, answers], 1);
  await addToBlocklist({ phone: '030 1234 0011', defaultCountry: 'DE' });
  const campaign = await insertCampaign(db, {
    ownerId: owner.id,
    ...parts,
    maxConcurrentCalls: 4,
    maxAttempts: 2,
    retryDelaySeconds: 5,
  });
  const handle = await startCampaign(campaign);
  await waitFor('the first busy attempt of the number to block midway', async () => {
    const rows = await journal(campaign.id);
    return rows.some((r) => r.phone_e164 === midway && r.outcome === 'busy');
  });
  // Blocked while its retry waits (5 s): the retry must not dial it.
  expect((await addToBlocklist({ phone: '+49 30 1234 0021' })).phone).toBe(midway);
  expect(await finished(handle, campaign.id, sipp)).toMatchObject({ status: 'completed' });
  await expectSippExit(sipp, 0); // exactly 4 calls: midway once, busy twice, answers once

  expect([early, midway, busy, answers].map((p) => [p, invitesTo(sipp, p)])).toEqual([
    [early, 0],
    [midway, 1],
    [busy, 2],
    [answers, 1],
  ]);
  const rows = await journal(campaign.id);
  expect(rows.map((r) => [r.phone_e164, r.attempt, r.outcome])).toEqual([
    [early, 1, 'blocked'],
    [midway, 1, 'busy'],
    [midway, 2, 'blocked'],
    [busy, 1, 'busy'],
    [busy, 2, 'busy'],
    [answers, 1, 'answered'],
  ]);
  for (const r of rows.filter((row) => row.outcome === 'blocked')) {
    expect(r).toMatchObject({
      sip_code: null,
      answer_at: null,
      hung_up_by: null,
      talk_ms: null,
      opted_out: false,
      end_reason: 'number on the blocklist: not dialled',
    });
  }
  expect(await contacts(campaign.id)).toEqual([
    [early, 'done', 1, 'blocked'],
    [midway, 'done', 2, 'blocked'],
    [busy, 'done', 2, 'busy'],
    [answers, 'done', 1, 'answered'],
  ]);
  // The campaign's progress shows them.
  const detail = await json<{ progress: Record<string, unknown> }>(
    await call('GET', `/api/v1/campaigns/${campaign.id}`, { token: owner.token }),
    200,
  );
  expect(detail.progress).toMatchObject({
    total: 4,
    done: 4,
    outcomes: { blocked: 2, busy: 1, answered: 1 },
  });
});

test('the opt-out key: blocklisted with its campaign and call, BYE at once, journalled; the next campaign does not call', async () => {
  const phone = '+493012340050';
  const sipp = await gateway({ scenario: 'uas-answer-opt-out', calls: 1 });
  const parts = await gatewayParts(owner.token, sipp, [phone], 10);
  const first = await insertCampaign(db, { ownerId: owner.id, ...parts, maxAttempts: 3, maxCallSeconds: 30 });
  await db.query(`UPDATE campaign SET opt_out_digit = '#' WHERE id = $1`, [first.id]);
  expect(await finished(await startCampaign(first), first.id, sipp)).toMatchObject({ status: 'completed' });
  // sipp exits 0 only if our BYE came after the "#" and not during the pause after the "1".
  await expectSippExit(sipp, 0);

  const [row, ...more] = await journal(first.id);
  expect(more).toEqual([]);
  expect(row).toMatchObject({
    phone_e164: phone,
    outcome: 'answered',
    sip_code: 200,
    hung_up_by: 'us',
    opted_out: true,
    end_reason: 'opted out (DTMF #)',
  });
  expect(row.dtmf.map((d) => [d.digit, d.source])).toEqual([
    ['1', 'rfc4733'],
    ['#', 'rfc4733'],
  ]);
  // The "#" came about 1 s after the answer; the 10 s message was cut short.
  expect(row.talk_ms).toBeLessThan(4000);
  const received = sipp.messages().filter((m) => m.direction === 'received');
  expect(received.filter((m) => m.startLine.startsWith('BYE ')).map((m) => headerValues(m, 'Call-ID')[0])).toEqual(
    received.filter((m) => m.startLine.startsWith('INVITE ')).map((m) => headerValues(m, 'Call-ID')[0]),
  );
  expect(await contacts(first.id)).toEqual([[phone, 'done', 1, 'answered']]);

  const listed = await json<{ items: Record<string, unknown>[] }>(
    await call('GET', `/api/v1/blocklist?phone=${encodeURIComponent(phone)}`, { token: owner.token }),
    200,
  );
  expect(listed.items).toEqual([
    expect.objectContaining({ phone, reason: 'opt_out', campaignId: first.id, callId: row.id, ownerId: owner.id }),
  ]);

  // A later campaign over the same number (the gateway has taken its one call and is gone).
  const later = await insertCampaign(db, {
    ownerId: owner.id,
    ...parts,
    contactListId: await phoneList(owner.token, [phone]),
    maxAttempts: 3,
  });
  expect(await finished(await startCampaign(later), later.id, sipp)).toMatchObject({ status: 'completed' });
  expect((await journal(later.id)).map((r) => [r.attempt, r.outcome, r.end_reason])).toEqual([
    [1, 'blocked', 'number on the blocklist: not dialled'],
  ]);
  expect(await contacts(later.id)).toEqual([[phone, 'done', 1, 'blocked']]);
  expect(invitesTo(sipp, phone)).toBe(1);
});

test('an opt-out written at the key press survives the worker dying before the journal: the retried attempt records it', async () => {
  const phone = '+493012340060';
  const sipp = await gateway({ scenario: 'uas-answer', calls: 1 });
  const parts = await gatewayParts(owner.token, sipp, [phone], 5);
  const campaign = await insertCampaign(db, { ownerId: owner.id, ...parts, maxAttempts: 3 });
  await db.query(`UPDATE campaign SET opt_out_digit = '5' WHERE id = $1`, [campaign.id]);
  const { deps, close } = activityDeps();
  try {
    const activities = createCampaignActivities(deps);
    const claim: ClaimResult = await new MockActivityEnvironment().run(
      (input: ClaimRequest) => activities.claimDueAttempts(input),
      { campaignId: campaign.id, limit: 5, claimKey: randomUUID(), adopt: false },
    );
    const attempt = claim.attempts[0];
    // What a worker leaves when it dies right after the key press: the answer's journal row
    // (still in progress) and the blocklist entry, written by the functions it runs then.
    const journalContext = {
      campaignId: campaign.id,
      ownerId: owner.id,
      trunkId: parts.trunkId,
      attempt: { ...attempt, phone }, // the activity reads the number from the contact (claims carry ids only)
      policy: { maxAttempts: 3, retryDelaySeconds: 1, retryOn: ['busy' as const] },
    };
    const answeredAt = new Date();
    await recordAnswer(deps.pool, journalContext, new Date(answeredAt.getTime() - 300), answeredAt, false);
    await recordOptOut(deps.pool, journalContext);
    // Temporal retries the activity on another worker.
    const report = await new MockActivityEnvironment().run(
      (input: { campaignId: string; attempt: ClaimedAttempt }) => activities.placeCall(input),
      { campaignId: campaign.id, attempt },
    );
    expect(report).toEqual({ attemptId: attempt.attemptId, outcome: 'answered', retryAt: null });
  } finally {
    await close();
  }
  const [row, ...more] = await journal(campaign.id);
  expect(more).toEqual([]);
  expect(row).toMatchObject({ outcome: 'answered', opted_out: true, end_reason: 'worker lost during the call' });
  const { rows: entries } = await db.query(
    'SELECT phone_e164, reason, campaign_id, call_id FROM blocklist WHERE owner_id = $1 AND phone_e164 = $2',
    [owner.id, phone],
  );
  expect(entries).toEqual([{ phone_e164: phone, reason: 'opt_out', campaign_id: campaign.id, call_id: row.id }]);
  expect(await contacts(campaign.id)).toEqual([[phone, 'done', 1, 'answered']]);
  expect(invitesTo(sipp, phone)).toBe(0);
});
