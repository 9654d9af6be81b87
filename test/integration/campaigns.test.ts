/**
 * `/api/v1/campaigns` definitions against the running API and PostgreSQL: defaults,
 * validation naming each field, the trunk/audio/list belonging to the caller, ownership
 * (404 for others, administrators see all), paging, and changes only while a draft.
 * Starting and steering campaigns is campaign-control.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { adminToken, call, expectProblem, problemFields } from '../support/api';
import {
  campaignBody as body,
  campaignParts,
  campaignTestContext,
  closedWindow,
  createCampaign,
  json,
  userToken,
  type CampaignBody as Campaign,
} from '../support/campaigns';

const ctx = campaignTestContext();

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
    ['callerId number', { callerId: { number: 'abc' } }, ['body.callerId.number']],
    // The name goes into the From header of every INVITE (F1): no CR, LF, NUL or other
    // control character, no `"` or `\`, at most 100 characters.
    [
      'callerId name with CR',
      { callerId: { number: '+4930111111', name: 'a\rX-Injected: 1' } },
      ['body.callerId.name'],
    ],
    [
      'callerId name with LF',
      { callerId: { number: '+4930111111', name: 'a\nX-Injected: 1' } },
      ['body.callerId.name'],
    ],
    ['callerId name with NUL', { callerId: { number: '+4930111111', name: 'a\u0000b' } }, ['body.callerId.name']],
    ['callerId name with a tab', { callerId: { number: '+4930111111', name: 'a\tb' } }, ['body.callerId.name']],
    ['callerId name with "', { callerId: { number: '+4930111111', name: 'say "hi"' } }, ['body.callerId.name']],
    ['callerId name with \\', { callerId: { number: '+4930111111', name: 'a\\b' } }, ['body.callerId.name']],
    ['callerId name of 101', { callerId: { number: '+4930111111', name: 'x'.repeat(101) } }, ['body.callerId.name']],
    ['name with NUL', { name: 'spring\u0000' }, ['body.name']],
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
    const named = await problemFields(res);
    expect(named).toEqual(fields);
  });

  it('refuses another owner’s (or a missing) trunk, audio and list with 422 naming each field', async () => {
    const { id: ownerId, token } = await userToken();
    const other = await userToken();
    const theirs = await campaignParts(other.token, 1);
    const res = await call('POST', '/api/v1/campaigns', { token, body: body(theirs) });
    expect(await problemFields(res)).toEqual(['body.audioId', 'body.contactListId', 'body.trunkId']);
    const mine = await campaignParts(token, 1);
    const missing = await call('POST', '/api/v1/campaigns', {
      token,
      body: body(mine, { trunkId: randomUUID() }),
    });
    expect(await problemFields(missing)).toEqual(['body.trunkId']);
    const { rows } = await ctx.pool.query('select count(*)::int as n from campaign where owner_id = $1', [ownerId]);
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
    await expectProblem(await call('GET', '/api/v1/campaigns/not-a-uuid', { token: a.token }), 422, 'validation-error');
    const listB = await json<{ items: Campaign[] }>(await call('GET', '/api/v1/campaigns', { token: b.token }), 200);
    expect(listB.items).toEqual([]);
    const admin = await adminToken();
    const got = await json(await call('GET', `/api/v1/campaigns/${mine.id}`, { token: admin }), 200);
    expect(got.ownerId).toBe(a.id);
  });

  it("refuses an administrator another tenant's trunk, audio or list, creating or changing (F21)", async () => {
    const admin = await adminToken();
    const bob = await userToken();
    const bobs = await campaignParts(bob.token, 1);
    const created = await call('POST', '/api/v1/campaigns', { token: admin, body: body(bobs) });
    expect(await problemFields(created)).toEqual(['body.audioId', 'body.contactListId', 'body.trunkId']);
    // Editing Bob's draft: Bob's parts are fine, the administrator's own are not Bob's.
    const bobsCampaign = await createCampaign(bob.token, bobs);
    const admins = await campaignParts(admin, 1);
    const patched = await call('PATCH', `/api/v1/campaigns/${bobsCampaign.id}`, {
      token: admin,
      body: { trunkId: admins.trunkId, audioId: admins.audioId, contactListId: admins.contactListId },
    });
    expect(await problemFields(patched)).toEqual(['body.audioId', 'body.contactListId', 'body.trunkId']);
    const renamed = await call('PATCH', `/api/v1/campaigns/${bobsCampaign.id}`, {
      token: admin,
      body: { name: 'renamed by admin', trunkId: bobs.trunkId },
    });
    expect(await json(renamed, 200)).toMatchObject({ ownerId: bob.id, trunkId: bobs.trunkId });
    // The control: the administrator's own parts make the administrator's campaign.
    expect((await call('POST', '/api/v1/campaigns', { token: admin, body: body(admins) })).status).toBe(201);
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
    expect(await problemFields(bad)).toEqual(['body.callingWindow.timezone', 'body.retryOn']);
    const other = await userToken();
    const foreign = await call('PATCH', `/api/v1/campaigns/${campaign.id}`, {
      token,
      body: { contactListId: (await campaignParts(other.token, 1)).contactListId },
    });
    expect(await problemFields(foreign)).toEqual(['body.contactListId']);

    await ctx.start(token, campaign.id);
    await expectProblem(
      await call('PATCH', `/api/v1/campaigns/${campaign.id}`, { token, body: { name: 'Too late' } }),
      409,
      'conflict',
    );
  });
});
