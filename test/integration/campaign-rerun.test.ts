/**
 * Re-running an ended campaign against the running API, PostgreSQL, Temporal and sipp: a
 * finished campaign with mixed outcomes (sipp answers some numbers, is busy for the others)
 * is re-run on exactly the contacts asked for, with their imported columns, linked to its
 * parent; what may not be re-run is refused.
 */
import { randomUUID } from 'node:crypto';
import { call, expectProblem } from '../support/api';
import {
  campaignParts,
  campaignTestContext,
  closedWindow,
  createCampaign,
  json,
  userToken,
} from '../support/campaigns';
import { waitFor } from '../support/campaign-runs';
import { uploadContacts } from '../support/contact-lists';
import { gatewayParts } from '../support/gateway-campaigns';
import { sippGateways } from '../support/sipp-gateways';

jest.setTimeout(120_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 200 });

const path = (id: string, action = ''): string => `/api/v1/campaigns/${id}${action ? `/${action}` : ''}`;

async function statusOf(id: string): Promise<string> {
  const { rows } = await ctx.pool.query<{ status: string }>('select status from campaign where id = $1', [id]);
  return rows[0].status;
}

async function contactStates(id: string) {
  const { rows } = await ctx.pool.query<{ phone_e164: string; state: string }>(
    'select phone_e164, state from campaign_contact where campaign_id = $1 order by line',
    [id],
  );
  return rows;
}

const fieldsOf = (problem: Record<string, unknown>): string[] =>
  ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);

describe('re-running a campaign', () => {
  it('copies exactly the contacts with the outcomes asked for, with their columns, linked to the parent', async () => {
    const { token } = await userToken();
    // sipp answers numbers ending in 0 and is busy for numbers ending in 1.
    const digits = ['0', '1', '0', '1', '0'];
    const phones = digits.map((d, i) => `+4930556${String(i).padStart(3, '0')}${d}`);
    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 90_000 });
    const parts = await gatewayParts(token, sipp, ['+4930556999990'], 1);
    const csv = `phone,name,plan\n${phones.map((p, i) => `${p},Person ${i},plan-${i}`).join('\n')}\n`;
    const listRes = await uploadContacts(token, csv, { name: `rerun ${randomUUID()}` });
    const { id: contactListId } = await json<{ id: string }>(listRes, 201);
    const settings = {
      maxConcurrentCalls: 5,
      maxAttempts: 1,
      record: false,
      callsPerSecond: 10,
      retryDelaySeconds: 77,
      retry: { busy: { delaySeconds: 5 } },
    };
    const parent = await json(
      await call('POST', '/api/v1/campaigns', {
        token,
        body: { name: 'Parent', ...parts, contactListId, ...settings },
      }),
      201,
    );
    const rerun = (id: string, body: unknown, who = token) => call('POST', path(id, 'rerun'), { token: who, body });
    await ctx.start(token, parent.id);
    await expectProblem(await rerun(parent.id, { outcomes: ['busy'] }), 409, 'conflict');
    await waitFor('the parent to complete', async () => (await statusOf(parent.id)) === 'completed', 60_000);

    for (const body of [{ outcomes: [] }, { outcomes: ['nope'] }, {}, { outcomes: ['busy'], extra: 1 }]) {
      const problem = await expectProblem(await rerun(parent.id, body), 422, 'validation-error');
      expect(fieldsOf(problem).length).toBeGreaterThan(0);
    }
    const none = await expectProblem(
      await rerun(parent.id, { outcomes: ['expired', 'no_answer'] }),
      422,
      'validation-error',
    );
    expect(fieldsOf(none)).toEqual(['body.outcomes']);
    await expectProblem(await rerun(parent.id, { outcomes: ['busy'] }, (await userToken()).token), 404, 'not-found');

    const res = await rerun(parent.id, { outcomes: ['busy', 'cancelled'] });
    const child = await json(res, 201);
    expect(res.headers.get('location')).toBe(`/api/v1/campaigns/${child.id}`);
    expect(child).toMatchObject({
      name: 'Parent (re-run)',
      status: 'draft',
      parentCampaignId: parent.id,
      trunkId: parts.trunkId,
      audioId: parts.audioId,
      startedAt: null,
      ...settings,
    });
    expect(child.contactListId).not.toBe(contactListId);
    const list = await json(await call('GET', `/api/v1/contact-lists/${String(child.contactListId)}`, { token }), 200);
    expect(list).toMatchObject({ imported: 2, totalRows: 2 });
    const busy = phones.filter((_, i) => digits[i] === '1');
    const { rows: copied } = await ctx.pool.query<{ phone_e164: string; name: string; variables: unknown }>(
      'select phone_e164, name, variables from contact where list_id = $1 order by line',
      [child.contactListId],
    );
    expect(copied).toEqual(
      busy.map((p) => {
        const i = phones.indexOf(p);
        return { phone_e164: p, name: `Person ${i}`, variables: { plan: `plan-${i}` } };
      }),
    );
    // The re-run is a draft like any other: it starts over those contacts.
    await json(await call('PATCH', path(child.id), { token, body: { callingWindow: closedWindow() } }), 200);
    await ctx.start(token, child.id);
    expect((await contactStates(child.id)).map((c) => c.phone_e164)).toEqual(busy);
    const named = await json(await rerun(parent.id, { outcomes: ['answered'], name: 'Thanks again' }), 201);
    expect(named).toMatchObject({ name: 'Thanks again', parentCampaignId: parent.id });
  });

  it('takes the contacts of a cancelled campaign that were never called', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 3);
    const campaign = await createCampaign(token, parts, { callingWindow: closedWindow() });
    await ctx.start(token, campaign.id);
    await json(await call('POST', path(campaign.id, 'cancel'), { token }), 200);
    await waitFor('the contacts to be settled', async () =>
      (await contactStates(campaign.id)).every((c) => c.state === 'cancelled'),
    );
    const child = await json(
      await call('POST', path(campaign.id, 'rerun'), { token, body: { outcomes: ['cancelled'] } }),
      201,
    );
    const { rows } = await ctx.pool.query<{ phone_e164: string }>(
      'select phone_e164 from contact where list_id = $1 order by line',
      [child.contactListId],
    );
    expect(rows.map((r) => r.phone_e164)).toEqual(parts.phones);
  });
});
