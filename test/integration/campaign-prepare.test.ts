/**
 * Large lists are copied into their campaign in the background (issue 23): the start
 * answers at once with status `preparing`, the workflow's `prepareContacts` activity copies
 * the list in batches while the first contacts are already called, and the campaign becomes
 * `running` when the copy is done. Against an API and a worker of this file's own (on a task
 * queue of their own) with CAMPAIGN_COPY_INLINE_MAX_CONTACTS=50 and tiny batches, so that a
 * list of a few thousand contacts takes long enough to watch; the same code copies a million
 * (`make bench-start`).
 * Unhappy paths: a worker SIGKILLed in the middle of the copy (the next one resumes after the
 * last line copied: every line exactly once), a cancel while copying (the copy stops), a
 * pause and resume while copying.
 */
import { randomUUID } from 'node:crypto';
import { call, createUser, login } from '../support/api';
import {
  campaignParts,
  campaignTestContext,
  closedWindow,
  createCampaign,
  json,
  type CampaignBody,
} from '../support/campaigns';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { gatewayParts } from '../support/gateway-campaigns';
import { waitFor } from '../support/campaign-runs';
import { sippGateways } from '../support/sipp-gateways';
import type { CampaignWorkflow } from '../../workflows/definitions';

jest.setTimeout(180_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 100 });
const taskQueue = `prepare-${randomUUID()}`;
let api: ExtraApi;
let worker: ExtraWorker;
/** For the stack's API (the campaign's parts, reads); `extraToken` for this file's API (start, steer). */
let token: string;
let extraToken: string;
const workerEnv = { CAMPAIGN_COPY_BATCH: '5' };

beforeAll(async () => {
  worker = await startExtraWorker(taskQueue, workerEnv);
  api = await startExtraApi({ TEMPORAL_TASK_QUEUE: taskQueue, CAMPAIGN_COPY_INLINE_MAX_CONTACTS: '50' });
  const user = await createUser();
  token = (await login(user.username, user.password)).access_token;
  extraToken = (await login(user.username, user.password, api.url)).access_token;
});

afterAll(async () => {
  await worker?.app.stop();
  await api?.stop();
});

const path = (id: string, action = ''): string => `/api/v1/campaigns/${id}${action ? `/${action}` : ''}`;
const viaExtra = (method: string, route: string) =>
  fetch(`${api.url}${route}`, { method, headers: { authorization: `Bearer ${extraToken}` } });

async function campaignRow(id: string) {
  const { rows } = await ctx.pool.query<{
    status: string;
    contacts_total: number | null;
    contacts_copied: number;
    contacts_copied_at: Date | null;
    rows: string;
    lines: string;
  }>(
    `select status, contacts_total, contacts_copied, contacts_copied_at,
            (select count(*) from campaign_contact where campaign_id = $1) as rows,
            (select count(distinct line) from campaign_contact where campaign_id = $1) as lines
       from campaign where id = $1`,
    [id],
  );
  return rows[0];
}

const berlin = (n: number): string[] => Array.from({ length: n }, (_, i) => `+49302${String(i).padStart(6, '0')}`);

it('a list at or under the limit is still copied inside the start request', async () => {
  const campaign = await createCampaign(token, await campaignParts(token, 50), { callingWindow: closedWindow() });
  const started = await json(await viaExtra('POST', path(campaign.id, 'start')), 200);
  expect(started).toMatchObject({ status: 'running', preparation: null });
  expect(Number((await campaignRow(campaign.id)).rows)).toBe(50);
  await json(await viaExtra('POST', path(campaign.id, 'cancel')), 200);
});

it('a large list answers at once as preparing, and every line arrives exactly once across a killed worker', async () => {
  const size = 2000;
  const campaign = await createCampaign(token, await campaignParts(token, 0, { phones: berlin(size) }), {
    callingWindow: closedWindow(),
  });
  const started = await json(await viaExtra('POST', path(campaign.id, 'start')), 200);
  expect(started).toMatchObject({
    status: 'preparing',
    preparation: { contactsTotal: size, contactsCopied: 0, finishedAt: null },
  });
  await waitFor('a few batches copied', async () => Number((await campaignRow(campaign.id)).rows) >= 50);
  worker.kill();
  await worker.app.process.exited;
  const halfway = await campaignRow(campaign.id);
  expect(halfway.status).toBe('preparing');
  expect(halfway.contacts_copied_at).toBeNull();
  expect(Number(halfway.rows)).toBeLessThan(size);
  expect(halfway.contacts_copied).toBe(Number(halfway.rows)); // progress and rows commit together

  worker = await startExtraWorker(taskQueue, workerEnv);
  await waitFor(
    'the copy to finish on the next worker',
    async () => (await campaignRow(campaign.id)).status === 'running',
    120_000,
  );
  const done = await campaignRow(campaign.id);
  expect([Number(done.rows), Number(done.lines), done.contacts_copied]).toEqual([size, size, size]);
  expect(done.contacts_copied_at).not.toBeNull();
  const detail = await json<CampaignBody>(await call('GET', path(campaign.id), { token }), 200);
  expect(detail.preparation).toMatchObject({ contactsTotal: size, contactsCopied: size });
  expect(detail.progress?.total).toBe(size);
  // The same lines as the list, in the list's order of lines.
  const { rows: mismatched } = await ctx.pool.query(
    `select 1 from contact c join campaign k on k.contact_list_id = c.list_id
      left join campaign_contact cc on cc.campaign_id = k.id and cc.line = c.line and cc.phone_e164 = c.phone_e164
      where k.id = $1 and cc.id is null`,
    [campaign.id],
  );
  expect(mismatched).toHaveLength(0);
  await json(await viaExtra('POST', path(campaign.id, 'cancel')), 200);
});

it('pause and resume while copying: paused holds, resume goes back to preparing until the copy ends', async () => {
  const campaign = await createCampaign(token, await campaignParts(token, 0, { phones: berlin(1500) }), {
    callingWindow: closedWindow(),
  });
  await json(await viaExtra('POST', path(campaign.id, 'start')), 200);
  expect(await json(await viaExtra('POST', path(campaign.id, 'pause')), 200)).toMatchObject({ status: 'paused' });
  await waitFor('the copy to go on while paused', async () => Number((await campaignRow(campaign.id)).rows) >= 20);
  expect((await campaignRow(campaign.id)).status).toBe('paused');
  const resumed = await json(await viaExtra('POST', path(campaign.id, 'resume')), 200);
  const after = await campaignRow(campaign.id);
  // `running` is written as `preparing` while the copy has not finished.
  expect(['preparing', 'running']).toContain(resumed.status);
  if (after.contacts_copied_at === null) expect(resumed.status).toBe('preparing');
  await waitFor('the copy to finish', async () => (await campaignRow(campaign.id)).status === 'running', 120_000);
  expect(Number((await campaignRow(campaign.id)).rows)).toBe(1500);
  await json(await viaExtra('POST', path(campaign.id, 'cancel')), 200);
});

it('calls go out before the copy ends; a cancel stops both and no contact is dialled twice', async () => {
  const phones = berlin(12_000); // ~2,400 batches of 5: the copy outlasts the first call by far, even on a slow machine
  const sipp = await gateway({ scenario: 'uas-answer', calls: 1000, timeoutMs: 120_000 });
  const parts = await gatewayParts(token, sipp, phones, 1);
  const campaign = await json(
    await call('POST', '/api/v1/campaigns', {
      token,
      body: { name: 'big', ...parts, maxConcurrentCalls: 2, maxAttempts: 1, record: false, callsPerSecond: 10 },
    }),
    201,
  );
  const started = await json(await viaExtra('POST', path(campaign.id, 'start')), 200);
  expect(started.status).toBe('preparing');
  await waitFor('a first call', async () => {
    const { rows } = await ctx.pool.query('select 1 from call_record where campaign_id = $1 limit 1', [campaign.id]);
    return rows.length > 0;
  });
  const atFirstCall = await campaignRow(campaign.id);
  expect(atFirstCall.contacts_copied_at).toBeNull(); // the copy was still running
  expect(Number(atFirstCall.rows)).toBeLessThan(phones.length);

  await json(await viaExtra('POST', path(campaign.id, 'cancel')), 200);
  const handle = ctx.temporal.workflow.getHandle<CampaignWorkflow>(`campaign-${campaign.id}`);
  expect(await handle.result()).toMatchObject({ status: 'cancelled' });
  const stopped = await campaignRow(campaign.id);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(Number((await campaignRow(campaign.id)).rows)).toBe(Number(stopped.rows)); // no copying after the end
  expect(stopped.status).toBe('cancelled');
  const { rows: twice } = await ctx.pool.query(
    'select phone_e164 from call_record where campaign_id = $1 group by phone_e164 having count(*) > 1',
    [campaign.id],
  );
  expect(twice).toHaveLength(0);
  const { rows: open } = await ctx.pool.query(
    `select state from campaign_contact where campaign_id = $1 and state not in ('done', 'cancelled')`,
    [campaign.id],
  );
  expect(open).toHaveLength(0);
});
