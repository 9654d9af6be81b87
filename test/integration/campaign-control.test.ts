/**
 * Starting and steering campaigns against the running API, PostgreSQL and Temporal: start
 * copies the contacts and starts `campaign-<id>` (search attributes, memo), pause, resume
 * and cancel arrive as signals, progress comes from the database (and the workflow while
 * it runs), and what a running campaign uses cannot be deleted. Campaigns are started with
 * a calling window that is closed for hours, so no test depends on calls being placed (the
 * dialling itself is tested with sipp elsewhere).
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
import { readStack } from '../support/stack';
import { progressQuery } from '../../workflows/definitions';
import { createCampaignActivities } from '../../activities/campaign.activities';
import { activityDeps } from '../support/temporal';

const ctx = campaignTestContext();

/** The campaign workflow's progress query, polled until `until` holds (signals are asynchronous). */
async function liveStatus(id: string, until: string): Promise<string> {
  const handle = ctx.temporal.workflow.getHandle(`campaign-${id}`);
  const deadline = Date.now() + 15_000;
  let status = '';
  while (Date.now() < deadline) {
    status = (await handle.query(progressQuery)).status;
    if (status === until) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}

async function signalNames(id: string): Promise<string[]> {
  const history = await ctx.temporal.workflow.getHandle(`campaign-${id}`).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionSignaledEventAttributes?.signalName
      ? [e.workflowExecutionSignaledEventAttributes.signalName]
      : [],
  );
}

describe('running campaigns', () => {
  it('start copies the contacts, marks it running and starts campaign-<id> with its search attributes', async () => {
    const { id: ownerId, token } = await userToken();
    const parts = await campaignParts(token, 7);
    const campaign = await createCampaign(token, parts, { name: 'Launch', callingWindow: closedWindow() });
    const running = await ctx.start(token, campaign.id);
    expect(running).toMatchObject({ status: 'running', workflowId: `campaign-${campaign.id}` });
    expect(running.startedAt).not.toBeNull();

    const { rows } = await ctx.pool.query<{ line: number; phone_e164: string; name: string; state: string }>(
      'select line, phone_e164, name, state, attempts from campaign_contact where campaign_id = $1 order by line',
      [campaign.id],
    );
    expect(rows.map((r) => r.phone_e164)).toEqual(parts.phones);
    expect(rows.map((r) => r.name)).toEqual(parts.phones.map((_, i) => `Person ${i}`));
    expect(new Set(rows.map((r) => r.state))).toEqual(new Set(['pending']));

    const description = await ctx.temporal.workflow.getHandle(`campaign-${campaign.id}`).describe();
    expect(description.type).toBe('runCampaign');
    expect(description.taskQueue).toBe(readStack().temporal.taskQueue);
    expect(description.searchAttributes).toMatchObject({ CampaignId: [campaign.id], OwnerId: [ownerId] });
    expect(description.memo).toEqual({ name: 'Launch' });

    const detail = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(detail.progress).toMatchObject({ total: 7, pending: 7, inFlight: 0, waiting: 0, done: 0 });
    // The workflow answers its query (it waits for the calling window, so nothing is in flight).
    expect(detail.live).toMatchObject({ status: 'running', inFlight: [] });

    await expectProblem(await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token }), 409, 'conflict');
    const { rows: after } = await ctx.pool.query(
      'select count(*)::int as n from campaign_contact where campaign_id = $1',
      [campaign.id],
    );
    expect(after[0].n).toBe(7);
  });

  it('pause, resume and cancel reach the workflow as signals; each only where it makes sense', async () => {
    const { token } = await userToken();
    const campaign = await ctx.running(token);
    const path = (action: string) => `/api/v1/campaigns/${campaign.id}/${action}`;
    await expectProblem(await call('POST', path('resume'), { token }), 409, 'conflict');

    expect(await json(await call('POST', path('pause'), { token }), 200)).toMatchObject({ status: 'paused' });
    expect(await liveStatus(campaign.id, 'paused')).toBe('paused');
    await expectProblem(await call('POST', path('pause'), { token }), 409, 'conflict');
    expect((await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200)).status).toBe('paused');

    expect(await json(await call('POST', path('resume'), { token }), 200)).toMatchObject({ status: 'running' });
    expect(await liveStatus(campaign.id, 'running')).toBe('running');

    await expectProblem(await call('DELETE', `/api/v1/campaigns/${campaign.id}`, { token }), 409, 'conflict');

    const cancelled = await json(await call('POST', path('cancel'), { token }), 200);
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(cancelled.finishedAt).not.toBeNull();
    expect(await liveStatus(campaign.id, 'cancelled')).toBe('cancelled');
    expect(await signalNames(campaign.id)).toEqual(['pauseCampaign', 'resumeCampaign', 'cancelCampaign']);
    for (const action of ['pause', 'resume', 'cancel', 'start']) {
      await expectProblem(await call('POST', path(action), { token }), 409, 'conflict');
    }
    const res = await call('DELETE', `/api/v1/campaigns/${campaign.id}`, { token });
    expect(res.status).toBe(204);
    await expectProblem(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 404, 'not-found');
  });

  it('cancels a draft without a workflow; a draft or cancelled campaign can be deleted', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const draft = await createCampaign(token, parts);
    const cancelled = await json(await call('POST', `/api/v1/campaigns/${draft.id}/cancel`, { token }), 200);
    expect(cancelled).toMatchObject({ status: 'cancelled', workflowId: null });
    await expect(ctx.temporal.workflow.getHandle(`campaign-${draft.id}`).describe()).rejects.toThrow();
    await expectProblem(await call('POST', `/api/v1/campaigns/${draft.id}/start`, { token }), 409, 'conflict');
    expect((await call('DELETE', `/api/v1/campaigns/${draft.id}`, { token })).status).toBe(204);
    const other = await createCampaign(token, parts);
    expect((await call('DELETE', `/api/v1/campaigns/${other.id}`, { token })).status).toBe(204);
  });

  it('refuses to delete the trunk, audio or list of a running campaign, and allows it once cancelled', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 2);
    const campaign = await ctx.running(token, parts);
    const deletes = [
      `/api/v1/trunks/${parts.trunkId}`,
      `/api/v1/audio/${parts.audioId}`,
      `/api/v1/contact-lists/${parts.contactListId}`,
    ];
    for (const path of deletes) {
      const problem = await expectProblem(await call('DELETE', path, { token }), 409, 'conflict');
      expect(problem.detail).toContain(campaign.id);
    }
    await json(await call('POST', `/api/v1/campaigns/${campaign.id}/pause`, { token }), 200);
    for (const path of deletes) await expectProblem(await call('DELETE', path, { token }), 409, 'conflict');
    await json(await call('POST', `/api/v1/campaigns/${campaign.id}/cancel`, { token }), 200);
    for (const path of deletes) expect((await call('DELETE', path, { token })).status).toBe(204);
    const after = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(after).toMatchObject({ status: 'cancelled', trunkId: null, audioId: null, contactListId: null });
  });

  it('counts contacts per state and outcome from PostgreSQL, also when the workflow does not answer', async () => {
    const { token } = await userToken();
    const campaign = await ctx.running(token, await campaignParts(token, 8));
    // The states the campaign activities write as calls end (lines are 2..9: line 1 is the header).
    const set = (lines: number[], state: string, outcome: string | null) =>
      ctx.pool.query(
        'update campaign_contact set state = $3, final_outcome = $4 where campaign_id = $1 and line = any($2::int[])',
        [campaign.id, lines, state, outcome],
      );
    await set([2, 3, 4], 'done', 'answered');
    await set([5], 'done', 'busy');
    await set([6], 'waiting', null);
    await set([7], 'in_flight', null);
    const expected = {
      total: 8,
      pending: 2,
      inFlight: 1,
      waiting: 1,
      done: 4,
      cancelled: 0,
      outcomes: { answered: 3, busy: 1 },
    };
    const live = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(live.progress).toEqual(expected);
    expect(live.live).toMatchObject({ status: 'running' });
    await ctx.temporal.workflow.getHandle(`campaign-${campaign.id}`).terminate('gone for the test');
    const dbOnly = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(dbOnly).toMatchObject({ status: 'running', progress: expected });
    expect(dbOnly.live).toBeUndefined();

    // With no workflow left to signal: pause is refused, cancel settles the open contacts itself.
    await expectProblem(await call('POST', `/api/v1/campaigns/${campaign.id}/pause`, { token }), 409, 'conflict');
    await json(await call('POST', `/api/v1/campaigns/${campaign.id}/cancel`, { token }), 200);
    const cancelled = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      progress: { ...expected, pending: 0, inFlight: 0, waiting: 0, cancelled: 4 },
    });
  });

  it('allows deleting what a completed campaign used', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const campaign = await ctx.running(token, parts);
    // What the workflow's setCampaignStatus activity writes when the last contact is done.
    await ctx.temporal.workflow.getHandle(`campaign-${campaign.id}`).terminate('completed for the test');
    await ctx.pool.query(`update campaign set status = 'completed', finished_at = now() where id = $1`, [campaign.id]);
    expect((await call('DELETE', `/api/v1/trunks/${parts.trunkId}`, { token })).status).toBe(204);
    expect((await call('DELETE', `/api/v1/contact-lists/${parts.contactListId}`, { token })).status).toBe(204);
    expect((await call('DELETE', `/api/v1/audio/${parts.audioId}`, { token })).status).toBe(204);
  });

  it('a draft whose trunk was deleted cannot start: 409 naming trunkId', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const campaign = await createCampaign(token, parts);
    expect((await call('DELETE', `/api/v1/trunks/${parts.trunkId}`, { token })).status).toBe(204);
    const problem = await expectProblem(
      await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token }),
      409,
      'conflict',
    );
    expect(problem.errors).toEqual([{ field: 'trunkId', message: expect.any(String) as unknown }]);
    const { rows } = await ctx.pool.query('select status from campaign where id = $1', [campaign.id]);
    expect(rows[0].status).toBe('draft');
  });

  it('undoes the start when Temporal refuses the workflow: 503, still a draft, no contacts copied', async () => {
    const api = await startExtraApi({ TEMPORAL_NAMESPACE: `no-such-namespace-${randomUUID().slice(0, 8)}` });
    try {
      const user = await createUser();
      const { access_token: token } = await login(user.username, user.password);
      const campaign = await createCampaign(token, await campaignParts(token, 3), { callingWindow: closedWindow() });
      // A token issued by the extra API (its issuer is its own URL).
      const tokenRes = await fetch(`${api.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: user.username,
          password: user.password,
          client_id: 'voicecast',
        }),
      });
      const extraToken = ((await tokenRes.json()) as { access_token: string }).access_token;
      const res = await fetch(`${api.url}/api/v1/campaigns/${campaign.id}/start`, {
        method: 'POST',
        headers: { authorization: `Bearer ${extraToken}` },
      });
      await expectProblem(res, 503, 'upstream-unavailable');
      const detail = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
      expect(detail).toMatchObject({ status: 'draft', startedAt: null, progress: { total: 0 } });
      // Temporal is back (the shared API): the same draft starts.
      await ctx.start(token, campaign.id);
    } finally {
      await api.stop();
    }
  });
});

test("a finished status is never taken back by the workflow's late write of an earlier one", async () => {
  // Pause then cancel in quick succession: the API writes `cancelled` at once, while the
  // workflow's own write of `paused` (for the pause signal) may land after it.
  const owner = await userToken();
  const campaign = await createCampaign(owner.token, await campaignParts(owner.token, 1));
  await ctx.pool.query(`UPDATE campaign SET status = 'cancelled' WHERE id = $1`, [campaign.id]);
  const { deps, close } = activityDeps();
  try {
    const activities = createCampaignActivities(deps);
    await activities.setCampaignStatus({ campaignId: campaign.id, status: 'paused' });
    await activities.setCampaignStatus({ campaignId: campaign.id, status: 'running' });
    const read = async () =>
      (await ctx.pool.query<{ status: string }>('SELECT status FROM campaign WHERE id = $1', [campaign.id])).rows[0]
        .status;
    expect(await read()).toBe('cancelled');
    // A running campaign still moves, and into a finished status too.
    await ctx.pool.query(`UPDATE campaign SET status = 'running' WHERE id = $1`, [campaign.id]);
    await activities.setCampaignStatus({ campaignId: campaign.id, status: 'paused' });
    expect(await read()).toBe('paused');
    await activities.setCampaignStatus({ campaignId: campaign.id, status: 'completed' });
    expect(await read()).toBe('completed');
  } finally {
    await close();
  }
});
