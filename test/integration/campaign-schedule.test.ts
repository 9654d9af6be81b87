/**
 * Scheduled campaigns against the running API, PostgreSQL and Temporal: a `startAt` a few
 * seconds away fires on the workflow's durable timer (also when the worker was gone
 * meanwhile, or the workflow itself and the reconciler made a new one), moves with a PATCH
 * and is dropped by a cancel; an `endAt` stops a campaign dialling sipp, the calls in flight
 * finishing and the rest ending `expired` (re-runs: campaign-rerun.test.ts).
 * Campaigns that need not call wait in a calling window that is closed for hours.
 */
import { randomUUID } from 'node:crypto';
import { call, createUser, expectProblem, login } from '../support/api';
import {
  campaignParts,
  campaignTestContext,
  closedWindow,
  createCampaign,
  json,
  userToken,
} from '../support/campaigns';
import { startExtraApi } from '../support/extra-api';
import { startExtraWorker } from '../support/extra-worker';
import { gatewayParts } from '../support/gateway-campaigns';
import { waitFor } from '../support/campaign-runs';
import { sippGateways } from '../support/sipp-gateways';
import { progressQuery, type CampaignWorkflow } from '../../workflows/definitions';
import { CampaignReconciler } from '../../api/campaigns/campaign-reconciler';
import { CampaignWorkflows } from '../../api/campaigns/campaign-workflows';
import { createLogger } from '../../lib/logger';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 200 });

const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();
const path = (id: string, action = ''): string => `/api/v1/campaigns/${id}${action ? `/${action}` : ''}`;

async function statusOf(id: string): Promise<string> {
  const { rows } = await ctx.pool.query<{ status: string }>('select status from campaign where id = $1', [id]);
  return rows[0].status;
}

async function contactStates(id: string) {
  const { rows } = await ctx.pool.query<{ phone_e164: string; state: string; final_outcome: string | null }>(
    'select phone_e164, state, final_outcome from campaign_contact where campaign_id = $1 order by line',
    [id],
  );
  return rows;
}

const fieldsOf = (problem: Record<string, unknown>): string[] =>
  ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);

describe('scheduled campaigns', () => {
  it('validates startAt and endAt: 422 naming the field', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const create = (extra: Record<string, unknown>) =>
      call('POST', '/api/v1/campaigns', {
        token,
        body: {
          name: 'x',
          trunkId: parts.trunkId,
          audioId: parts.audioId,
          contactListId: parts.contactListId,
          ...extra,
        },
      });
    const cases: [Record<string, unknown>, string][] = [
      [{ startAt: '2030-01-01T09:00:00' }, 'body.startAt'], // no offset: whose 9 o'clock?
      [{ startAt: 'tomorrow' }, 'body.startAt'],
      [{ startAt: '2026-02-30T09:00:00Z' }, 'body.startAt'],
      [{ startAt: inSeconds(-3600) }, 'body.startAt'],
      [{ startAt: inSeconds(400 * 86_400) }, 'body.startAt'],
      [{ startAt: inSeconds(7200), endAt: inSeconds(3600) }, 'body.endAt'],
      [{ endAt: inSeconds(-10) }, 'body.endAt'],
    ];
    for (const [extra, field] of cases) {
      const problem = await expectProblem(await create(extra), 422, 'validation-error');
      expect([extra, fieldsOf(problem)]).toEqual([extra, [field]]);
    }
    // 30 days ahead at a whole hour, written in +01:00.
    const utc = new Date(Math.floor(Date.now() / 3_600_000 + 30 * 24) * 3_600_000);
    const plusOne = `${new Date(utc.getTime() + 3_600_000).toISOString().slice(0, 19)}+01:00`;
    const draft = await json(await create({ startAt: plusOne, endAt: null }), 201);
    expect(draft).toMatchObject({ startAt: utc.toISOString(), endAt: null, parentCampaignId: null });
    const patch = (body: Record<string, unknown>) => call('PATCH', path(draft.id), { token, body });
    const before = new Date(utc.getTime() - 3_600_000).toISOString();
    const problem = await expectProblem(await patch({ endAt: before }), 422, 'validation-error');
    expect(fieldsOf(problem)).toEqual(['body.endAt']);
    expect(await json(await patch({ startAt: null, endAt: before }), 200)).toMatchObject({
      startAt: null,
      endAt: before,
    });
  });

  it('fires at startAt: scheduled (search attribute, memo, query) until then, then running', async () => {
    const { token } = await userToken();
    const startAt = inSeconds(5);
    const campaign = await createCampaign(token, await campaignParts(token, 3), {
      callingWindow: closedWindow(),
      startAt,
    });
    const scheduled = await ctx.start(token, campaign.id);
    expect(scheduled).toMatchObject({ status: 'scheduled', startAt: new Date(startAt).toISOString() });
    const handle = ctx.temporal.workflow.getHandle<CampaignWorkflow>(`campaign-${campaign.id}`);
    const description = await handle.describe();
    expect(description.searchAttributes).toMatchObject({ CampaignStatus: ['scheduled'] });
    expect(description.memo).toEqual({ name: campaign.name, startAt: new Date(startAt).toISOString() });
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'scheduled', callsStarted: 0 });
    expect((await contactStates(campaign.id)).map((c) => c.state)).toEqual(['pending', 'pending', 'pending']);
    // Its trunk, audio and list are in use: the campaign will need them.
    await expectProblem(await call('DELETE', `/api/v1/trunks/${String(campaign.trunkId)}`, { token }), 409, 'conflict');
    await expectProblem(await call('POST', path(campaign.id, 'pause'), { token }), 409, 'conflict');

    await waitFor('the campaign to fire', async () => (await statusOf(campaign.id)) === 'running', 20_000);
    const { rows } = await ctx.pool.query<{ started_at: Date }>('select started_at from campaign where id = $1', [
      campaign.id,
    ]);
    expect(rows[0].started_at.getTime()).toBeGreaterThanOrEqual(Date.parse(startAt));
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'running' });
    await waitFor('the search attribute to say running', async () => {
      const { searchAttributes } = await handle.describe();
      return JSON.stringify(searchAttributes.CampaignStatus) === '["running"]';
    });
  });

  it('moves with a PATCH of startAt before it fires (later, then sooner); nothing else may change', async () => {
    const { token } = await userToken();
    const campaign = await createCampaign(token, await campaignParts(token, 2), {
      callingWindow: closedWindow(),
      startAt: inSeconds(4),
    });
    await ctx.start(token, campaign.id);
    const later = inSeconds(600);
    expect(await json(await call('PATCH', path(campaign.id), { token, body: { startAt: later } }), 200)).toMatchObject({
      status: 'scheduled',
      startAt: new Date(later).toISOString(),
    });
    const problem = await expectProblem(
      await call('PATCH', path(campaign.id), { token, body: { maxAttempts: 2 } }),
      409,
      'conflict',
    );
    expect(fieldsOf(problem)).toEqual(['body.maxAttempts']);
    await new Promise((resolve) => setTimeout(resolve, 6000)); // past the first startAt
    expect(await statusOf(campaign.id)).toBe('scheduled');
    const handle = ctx.temporal.workflow.getHandle(`campaign-${campaign.id}`);
    expect(await handle.query(progressQuery)).toMatchObject({
      status: 'scheduled',
      startAt: new Date(later).toISOString(),
    });

    await json(await call('PATCH', path(campaign.id), { token, body: { startAt: inSeconds(2) } }), 200);
    await waitFor('the campaign to fire', async () => (await statusOf(campaign.id)) === 'running', 15_000);
    await expectProblem(
      await call('PATCH', path(campaign.id), { token, body: { startAt: inSeconds(60) } }),
      409,
      'conflict',
    );
  });

  it('cancel before it fires: cancelled, its contacts too, and it never starts', async () => {
    const { token } = await userToken();
    const campaign = await createCampaign(token, await campaignParts(token, 2), { startAt: inSeconds(4) });
    await ctx.start(token, campaign.id);
    const cancelled = await json(await call('POST', path(campaign.id, 'cancel'), { token }), 200);
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    const handle = ctx.temporal.workflow.getHandle<CampaignWorkflow>(`campaign-${campaign.id}`);
    expect(await handle.result()).toEqual({ status: 'cancelled', callsStarted: 0, runs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5000)); // past startAt
    expect(await statusOf(campaign.id)).toBe('cancelled');
    expect((await contactStates(campaign.id)).map((c) => [c.state, c.final_outcome])).toEqual([
      ['cancelled', 'cancelled'],
      ['cancelled', 'cancelled'],
    ]);
  });

  it('fires on a worker started after startAt: the timer is durable, not in the worker', async () => {
    const taskQueue = `schedule-${randomUUID()}`;
    const first = await startExtraWorker(taskQueue);
    const api = await startExtraApi({ TEMPORAL_TASK_QUEUE: taskQueue });
    const user = await createUser();
    const { access_token: token } = await login(user.username, user.password);
    const { access_token: extraToken } = await login(user.username, user.password, api.url);
    let second: Awaited<ReturnType<typeof startExtraWorker>> | undefined;
    try {
      const campaign = await createCampaign(token, await campaignParts(token, 2), {
        callingWindow: closedWindow(),
        startAt: inSeconds(6),
      });
      const res = await fetch(`${api.url}${path(campaign.id, 'start')}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${extraToken}` },
      });
      expect(await json(res, 200)).toMatchObject({ status: 'scheduled' });
      const handle = ctx.temporal.workflow.getHandle(`campaign-${campaign.id}`);
      await waitFor('the first worker to take the workflow', async () => {
        const history = await handle.fetchHistory();
        return (history.events ?? []).some((e) => e.timerStartedEventAttributes);
      });
      first.kill();
      await first.app.process.exited;
      await new Promise((resolve) => setTimeout(resolve, 8000)); // past startAt, no worker
      expect(await statusOf(campaign.id)).toBe('scheduled');
      second = await startExtraWorker(taskQueue);
      await waitFor('the campaign to fire on the new worker', async () => (await statusOf(campaign.id)) === 'running');
      await json(await call('POST', path(campaign.id, 'cancel'), { token }), 200);
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    } finally {
      await second?.app.stop();
      await api.stop();
    }
  });

  it('a scheduled campaign whose workflow is gone gets a new one that waits for startAt', async () => {
    const { token } = await userToken();
    const campaign = await createCampaign(token, await campaignParts(token, 1), {
      callingWindow: closedWindow(),
      startAt: inSeconds(5),
    });
    await ctx.start(token, campaign.id);
    const handle = ctx.temporal.workflow.getHandle(`campaign-${campaign.id}`);
    await handle.terminate('lost for the test');
    const logger = createLogger({ level: 'silent', name: 'reconciler-test' });
    const reconciler = new CampaignReconciler(
      ctx.pool,
      new CampaignWorkflows(ctx.temporal, readStack().temporal.taskQueue, logger),
      logger,
    );
    expect((await reconciler.reconcileOnce()).restarted).toContain(campaign.id);
    await waitFor('the new run to answer', async () => {
      const live = await handle.query(progressQuery).catch(() => undefined);
      return live?.status === 'scheduled';
    });
    expect(await statusOf(campaign.id)).toBe('scheduled');
    await waitFor('the campaign to fire', async () => (await statusOf(campaign.id)) === 'running', 15_000);
  });

  it('an endAt while the calling window is closed expires every contact without a call', async () => {
    const { token } = await userToken();
    const campaign = await createCampaign(token, await campaignParts(token, 3), {
      callingWindow: closedWindow(),
      endAt: inSeconds(3),
    });
    await ctx.start(token, campaign.id);
    const handle = ctx.temporal.workflow.getHandle<CampaignWorkflow>(`campaign-${campaign.id}`);
    expect(await handle.result()).toEqual({ status: 'expired', callsStarted: 0, runs: 1 });
    expect((await contactStates(campaign.id)).map((c) => [c.state, c.final_outcome])).toEqual(
      Array.from({ length: 3 }, () => ['done', 'expired']),
    );
    expect(await statusOf(campaign.id)).toBe('expired');
    const { rows } = await ctx.pool.query('select 1 from call_record where campaign_id = $1', [campaign.id]);
    expect(rows).toHaveLength(0);
  });

  it('stops at endAt: the call in flight finishes, the rest is expired, the campaign too', async () => {
    const { token } = await userToken();
    const phones = Array.from({ length: 6 }, (_, i) => `+4930555${String(i).padStart(3, '0')}0`);
    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 90_000 });
    const parts = await gatewayParts(token, sipp, phones, 3);
    const endAt = inSeconds(5);
    const campaign = await json(
      await call('POST', '/api/v1/campaigns', {
        token,
        body: {
          name: 'ends',
          ...parts,
          maxConcurrentCalls: 1,
          maxAttempts: 1,
          record: false,
          callsPerSecond: 10,
          endAt,
        },
      }),
      201,
    );
    await ctx.start(token, campaign.id);
    const handle = ctx.temporal.workflow.getHandle<CampaignWorkflow>(`campaign-${campaign.id}`);
    const result = await handle.result();
    expect(result.status).toBe('expired');

    const { rows: calls } = await ctx.pool.query<{
      phone_e164: string;
      outcome: string;
      invite_at: Date;
      end_at: Date;
    }>('select phone_e164, outcome, invite_at, end_at from call_record where campaign_id = $1 order by invite_at', [
      campaign.id,
    ]);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThan(phones.length);
    expect(result.callsStarted).toBe(calls.length);
    expect(calls.map((c) => c.outcome)).toEqual(calls.map(() => 'answered'));
    for (const c of calls) expect(c.invite_at.getTime()).toBeLessThanOrEqual(Date.parse(endAt) + 1000);
    // The call live at endAt played to its end (3 s of message): it was not hung up.
    const last = calls[calls.length - 1];
    expect(last.end_at.getTime() - last.invite_at.getTime()).toBeGreaterThan(3000);
    const called = new Set(calls.map((c) => c.phone_e164));
    expect((await contactStates(campaign.id)).map((c) => [c.phone_e164, c.state, c.final_outcome])).toEqual(
      phones.map((p) => [p, 'done', called.has(p) ? 'answered' : 'expired']),
    );
    const detail = await json(await call('GET', path(campaign.id), { token }), 200);
    expect(detail).toMatchObject({ status: 'expired', endAt: new Date(endAt).toISOString() });
    expect(detail.finishedAt).not.toBeNull();
    expect(detail.progress).toMatchObject({
      total: 6,
      done: 6,
      outcomes: { answered: calls.length, expired: 6 - calls.length },
    });
    expect(sipp.messages().filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE ')).length).toBe(
      calls.length,
    );
    // Starting again is a draft's only; an expired campaign can be re-run.
    await expectProblem(await call('POST', path(campaign.id, 'start'), { token }), 409, 'conflict');
  });
});
