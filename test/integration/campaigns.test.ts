/**
 * `/api/v1/campaigns` against the running API, PostgreSQL and Temporal: definitions with
 * defaults and validation naming fields, ownership, the draft-only rules, start (contacts
 * copied, workflow `campaign-<id>` with its search attributes and memo), the signals, and
 * the 409s that protect what a running campaign uses. Campaigns are started with a calling
 * window that is closed for hours, so no test depends on calls being placed (the dialling
 * itself is tested with sipp elsewhere).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Pool } from 'pg';
import { adminToken, call, createUser, expectProblem, login } from '../support/api';
import { campaignParts, closedWindow, temporalClient, type CampaignParts } from '../support/campaigns';
import { startExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';

interface Campaign {
  id: string;
  ownerId: string;
  name: string;
  status: string;
  trunkId: string | null;
  audioId: string | null;
  contactListId: string | null;
  workflowId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  progress?: Record<string, unknown> & { total: number; pending: number };
  live?: { status: string; inFlight: unknown[]; callsStarted: number; waitingForWindowUntil: string | null };
  [key: string]: unknown;
}

let pool: Pool;
let temporal: Client;
let closeTemporal: () => Promise<void>;
/** Workflows started here, terminated at the end so the stack's worker is left alone. */
const started: string[] = [];

beforeAll(async () => {
  pool = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  ({ client: temporal, close: closeTemporal } = await temporalClient());
});

afterAll(async () => {
  await Promise.all(
    started.map((id) =>
      temporal.workflow
        .getHandle(`campaign-${id}`)
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
  await closeTemporal?.();
  await pool?.end();
});

async function userToken(): Promise<{ id: string; token: string }> {
  const user = await createUser();
  return { id: user.id, token: (await login(user.username, user.password)).access_token };
}

async function json<T = Campaign>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const body = (parts: CampaignParts, extra: Record<string, unknown> = {}) => ({
  name: `c-${randomUUID().slice(0, 8)}`,
  trunkId: parts.trunkId,
  audioId: parts.audioId,
  contactListId: parts.contactListId,
  ...extra,
});

async function createCampaign(token: string, parts: CampaignParts, extra: Record<string, unknown> = {}) {
  return json(await call('POST', '/api/v1/campaigns', { token, body: body(parts, extra) }), 201);
}

/** A campaign started with a closed calling window: running, but placing no calls. */
async function runningCampaign(token: string, parts?: CampaignParts) {
  const campaign = await createCampaign(token, parts ?? (await campaignParts(token)), {
    callingWindow: closedWindow(),
  });
  const running = await json(await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token }), 200);
  started.push(campaign.id);
  return running;
}

async function fieldsOf(res: Response): Promise<string[]> {
  const problem = await expectProblem(res, 422, 'validation-error');
  return (problem.errors as { field: string }[]).map((e) => e.field).sort();
}

/** The campaign workflow's `campaignProgress`, polled until `until` holds (signals are asynchronous). */
async function liveStatus(id: string, until: string): Promise<string> {
  const handle = temporal.workflow.getHandle(`campaign-${id}`);
  const deadline = Date.now() + 15_000;
  let status = '';
  while (Date.now() < deadline) {
    status = (await handle.query<{ status: string }>('campaignProgress')).status;
    if (status === until) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}

async function signalNames(id: string): Promise<string[]> {
  const history = await temporal.workflow.getHandle(`campaign-${id}`).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionSignaledEventAttributes?.signalName
      ? [e.workflowExecutionSignaledEventAttributes.signalName]
      : [],
  );
}

describe('campaign definitions', () => {
  it('creates a draft with every default', async () => {
    const { id: ownerId, token } = await userToken();
    const parts = await campaignParts(token);
    const res = await call('POST', '/api/v1/campaigns', { token, body: body(parts, { name: 'Spring' }) });
    const campaign = await json(res, 201);
    expect(res.headers.get('location')).toBe(`/api/v1/campaigns/${campaign.id}`);
    expect(campaign).toMatchObject({
      ownerId,
      name: 'Spring',
      status: 'draft',
      trunkId: parts.trunkId,
      audioId: parts.audioId,
      contactListId: parts.contactListId,
      maxConcurrentCalls: 10,
      callsPerSecond: 1,
      maxAttempts: 3,
      retryDelaySeconds: 600,
      retryOn: ['busy', 'no_answer', 'unavailable', 'failed'],
      ringTimeoutSeconds: 30,
      maxCallSeconds: 300,
      callingWindow: null,
      record: true,
      recordingsPrivate: false,
      callerId: null,
      workflowId: null,
      startedAt: null,
    });
    const got = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(got).toMatchObject({ ...campaign, progress: { total: 0, pending: 0, done: 0, outcomes: {} } });
    expect(got.live).toBeUndefined();
  });

  it('keeps every setting given', async () => {
    const { token } = await userToken();
    const settings = {
      maxConcurrentCalls: 1000,
      callsPerSecond: 0.5,
      maxAttempts: 20,
      retryDelaySeconds: 0,
      retryOn: ['busy'],
      ringTimeoutSeconds: 5,
      maxCallSeconds: 7200,
      callingWindow: { days: ['mon', 'fri'], from: '09:00', to: '20:30:15', timezone: 'Europe/Berlin' },
      record: false,
      recordingsPrivate: true,
      callerId: { number: '+4930111111', name: 'Shop' },
    };
    const campaign = await createCampaign(token, await campaignParts(token), settings);
    expect(campaign).toMatchObject(settings);
    const got = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(got).toMatchObject(settings);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['maxConcurrentCalls 0', { maxConcurrentCalls: 0 }, ['body.maxConcurrentCalls']],
    ['maxConcurrentCalls 1001', { maxConcurrentCalls: 1001 }, ['body.maxConcurrentCalls']],
    ['maxConcurrentCalls 1.5', { maxConcurrentCalls: 1.5 }, ['body.maxConcurrentCalls']],
    ['callsPerSecond 0', { callsPerSecond: 0 }, ['body.callsPerSecond']],
    ['callsPerSecond 1001', { callsPerSecond: 1001 }, ['body.callsPerSecond']],
    ['maxAttempts 0', { maxAttempts: 0 }, ['body.maxAttempts']],
    ['maxAttempts 21', { maxAttempts: 21 }, ['body.maxAttempts']],
    ['retryDelaySeconds -1', { retryDelaySeconds: -1 }, ['body.retryDelaySeconds']],
    ['retryOn rejected', { retryOn: ['busy', 'rejected'] }, ['body.retryOn']],
    ['retryOn invalid_number', { retryOn: ['invalid_number'] }, ['body.retryOn']],
    ['retryOn answered', { retryOn: ['answered'] }, ['body.retryOn']],
    ['retryOn cancelled', { retryOn: ['cancelled'] }, ['body.retryOn']],
    // tsoa names array items without the `body.` prefix, and a nullable object by its own name.
    ['retryOn unknown', { retryOn: ['later'] }, ['retryOn.$0']],
    ['ringTimeoutSeconds 4', { ringTimeoutSeconds: 4 }, ['body.ringTimeoutSeconds']],
    ['ringTimeoutSeconds 301', { ringTimeoutSeconds: 301 }, ['body.ringTimeoutSeconds']],
    ['maxCallSeconds 4', { maxCallSeconds: 4 }, ['body.maxCallSeconds']],
    ['maxCallSeconds 7201', { maxCallSeconds: 7201 }, ['body.maxCallSeconds']],
    ['record "yes"', { record: 'yes' }, ['body.record']],
    ['callerId number', { callerId: { number: 'abc' } }, ['body.callerId']],
    [
      'calling window',
      { callingWindow: { days: [], from: '9am', to: '25:00', timezone: 'Nowhere/City' } },
      ['body.callingWindow.days', 'body.callingWindow.from', 'body.callingWindow.timezone', 'body.callingWindow.to'],
    ],
    [
      'calling window day',
      { callingWindow: { days: ['mon', 'mon'], from: '09:00', to: '09:00', timezone: 'UTC' } },
      ['body.callingWindow.days', 'body.callingWindow.to'],
    ],
    ['name empty', { name: '' }, ['body.name']],
  ])('refuses %s, naming the field', async (_label, extra, fields) => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const res = await call('POST', '/api/v1/campaigns', { token, body: body(parts, extra) });
    const named = await fieldsOf(res);
    expect(named).toEqual(fields);
  });

  it('refuses another owner’s (or a missing) trunk, audio and list with 422 naming each field', async () => {
    const { id: ownerId, token } = await userToken();
    const other = await userToken();
    const theirs = await campaignParts(other.token, 1);
    const res = await call('POST', '/api/v1/campaigns', { token, body: body(theirs) });
    expect(await fieldsOf(res)).toEqual(['body.audioId', 'body.contactListId', 'body.trunkId']);
    const mine = await campaignParts(token, 1);
    const missing = await call('POST', '/api/v1/campaigns', {
      token,
      body: body(mine, { trunkId: randomUUID() }),
    });
    expect(await fieldsOf(missing)).toEqual(['body.trunkId']);
    const { rows } = await pool.query('select count(*)::int as n from campaign where owner_id = $1', [ownerId]);
    expect(rows[0].n).toBe(0);
  });

  it('hides other owners’ campaigns (404) and shows all to an administrator', async () => {
    const a = await userToken();
    const b = await userToken();
    const mine = await createCampaign(a.token, await campaignParts(a.token, 1));
    for (const [method, path] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/start'],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['POST', '/cancel'],
    ] as const) {
      const res = await call(method, `/api/v1/campaigns/${mine.id}${path}`, {
        token: b.token,
        ...(method === 'PATCH' ? { body: { name: 'x' } } : {}),
      });
      await expectProblem(res, 404, 'not-found');
    }
    await expectProblem(await call('GET', '/api/v1/campaigns/not-a-uuid', { token: a.token }), 404, 'not-found');
    const listB = await json<{ items: Campaign[] }>(await call('GET', '/api/v1/campaigns', { token: b.token }), 200);
    expect(listB.items).toEqual([]);
    const admin = await adminToken();
    const got = await json(await call('GET', `/api/v1/campaigns/${mine.id}`, { token: admin }), 200);
    expect(got.ownerId).toBe(a.id);
  });

  it('lists the owner’s campaigns newest first, a page at a time', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await createCampaign(token, parts, { name: `n${i}` })).id);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '2', ...(after ? { after } : {}) });
      const page = await json<{ items: Campaign[]; nextCursor?: string }>(
        await call('GET', `/api/v1/campaigns?${query.toString()}`, { token }),
        200,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.id));
      after = page.nextCursor;
    } while (after);
    expect(seen).toEqual([...made].reverse());
    await expectProblem(await call('GET', '/api/v1/campaigns?after=garbage', { token }), 422, 'validation-error');
    const admin = await json<{ items: Campaign[] }>(
      await call('GET', '/api/v1/campaigns?limit=200', { token: await adminToken() }),
      200,
    );
    expect(admin.items.map((c) => c.id)).toEqual(expect.arrayContaining(made));
  });

  it('changes a draft with PATCH (validated the same way) and refuses it after start', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token);
    const campaign = await createCampaign(token, parts);
    const patched = await json(
      await call('PATCH', `/api/v1/campaigns/${campaign.id}`, {
        token,
        body: { name: 'Renamed', maxAttempts: 5, callingWindow: closedWindow() },
      }),
      200,
    );
    expect(patched).toMatchObject({ name: 'Renamed', maxAttempts: 5, callsPerSecond: 1, retryDelaySeconds: 600 });
    const bad = await call('PATCH', `/api/v1/campaigns/${campaign.id}`, {
      token,
      body: { retryOn: ['rejected'], callingWindow: { days: ['mon'], from: '09:00', to: '10:00', timezone: 'X/Y' } },
    });
    expect(await fieldsOf(bad)).toEqual(['body.callingWindow.timezone', 'body.retryOn']);
    const other = await userToken();
    const foreign = await call('PATCH', `/api/v1/campaigns/${campaign.id}`, {
      token,
      body: { contactListId: (await campaignParts(other.token, 1)).contactListId },
    });
    expect(await fieldsOf(foreign)).toEqual(['body.contactListId']);

    await json(await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token }), 200);
    started.push(campaign.id);
    await expectProblem(
      await call('PATCH', `/api/v1/campaigns/${campaign.id}`, { token, body: { name: 'Too late' } }),
      409,
      'conflict',
    );
  });
});

describe('running campaigns', () => {
  it('start copies the contacts, marks it running and starts campaign-<id> with its search attributes', async () => {
    const { id: ownerId, token } = await userToken();
    const parts = await campaignParts(token, 7);
    const campaign = await createCampaign(token, parts, { name: 'Launch', callingWindow: closedWindow() });
    const res = await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token });
    const running = await json(res, 200);
    started.push(campaign.id);
    expect(running).toMatchObject({ status: 'running', workflowId: `campaign-${campaign.id}` });
    expect(running.startedAt).not.toBeNull();

    const { rows } = await pool.query<{ line: number; phone_e164: string; name: string; state: string }>(
      'select line, phone_e164, name, state, attempts from campaign_contact where campaign_id = $1 order by line',
      [campaign.id],
    );
    expect(rows.map((r) => r.phone_e164)).toEqual(parts.phones);
    expect(rows.map((r) => r.name)).toEqual(parts.phones.map((_, i) => `Person ${i}`));
    expect(new Set(rows.map((r) => r.state))).toEqual(new Set(['pending']));

    const description = await temporal.workflow.getHandle(`campaign-${campaign.id}`).describe();
    expect(description.type).toBe('runCampaign');
    expect(description.taskQueue).toBe(readStack().temporal.taskQueue);
    expect(description.searchAttributes).toMatchObject({ CampaignId: [campaign.id], OwnerId: [ownerId] });
    expect(description.memo).toEqual({ name: 'Launch' });

    const detail = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(detail.progress).toMatchObject({ total: 7, pending: 7, inFlight: 0, waiting: 0, done: 0 });
    // The workflow answers its query (it waits for the calling window, so nothing is in flight).
    expect(detail.live).toMatchObject({ status: 'running', inFlight: [] });

    await expectProblem(await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token }), 409, 'conflict');
    const { rows: after } = await pool.query('select count(*)::int as n from campaign_contact where campaign_id = $1', [
      campaign.id,
    ]);
    expect(after[0].n).toBe(7);
  });

  it('pause, resume and cancel reach the workflow as signals; each only where it makes sense', async () => {
    const { token } = await userToken();
    const campaign = await runningCampaign(token);
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
    await expect(temporal.workflow.getHandle(`campaign-${draft.id}`).describe()).rejects.toThrow();
    await expectProblem(await call('POST', `/api/v1/campaigns/${draft.id}/start`, { token }), 409, 'conflict');
    expect((await call('DELETE', `/api/v1/campaigns/${draft.id}`, { token })).status).toBe(204);
    const other = await createCampaign(token, parts);
    expect((await call('DELETE', `/api/v1/campaigns/${other.id}`, { token })).status).toBe(204);
  });

  it('refuses to delete the trunk, audio or list of a running campaign, and allows it once cancelled', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 2);
    const campaign = await runningCampaign(token, parts);
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
    const campaign = await runningCampaign(token, await campaignParts(token, 8));
    // The states the campaign activities write as calls end (lines are 2..9: line 1 is the header).
    const set = (lines: number[], state: string, outcome: string | null) =>
      pool.query(
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
    await temporal.workflow.getHandle(`campaign-${campaign.id}`).terminate('gone for the test');
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
    const campaign = await runningCampaign(token, parts);
    // What the workflow's setCampaignStatus activity writes when the last contact is done.
    await temporal.workflow.getHandle(`campaign-${campaign.id}`).terminate('completed for the test');
    await pool.query(`update campaign set status = 'completed', finished_at = now() where id = $1`, [campaign.id]);
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
    const { rows } = await pool.query('select status from campaign where id = $1', [campaign.id]);
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
      await json(await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token }), 200);
      started.push(campaign.id);
    } finally {
      await api.stop();
    }
  });
});
