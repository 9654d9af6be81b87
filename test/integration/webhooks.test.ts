/**
 * The webhook API: create, list, get, change, delete, rotate the secret, the delivery log;
 * validation (422 naming the field) and ownership (another owner's webhook is 404). The
 * deliveries themselves are tested end to end in webhook-deliveries.test.ts.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { adminToken, call, createUser, expectProblem, login } from '../support/api';
import { campaignParts, createCampaign, json, userToken } from '../support/campaigns';
import { startExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';
import { createWebhook, deliveries, type WebhookBody } from '../support/webhooks';

let db: Pool;
beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
});
afterAll(async () => {
  await db?.end();
});

const SECRET = /^whsec_[A-Za-z0-9_-]{43}$/;

test('create shows the secret once; get, list, change and delete never show it again', async () => {
  const { id: ownerId, token } = await userToken();
  const res = await call('POST', '/api/v1/webhooks', { token, body: { url: 'https://hooks.example.com/voicecast' } });
  const created = await json<WebhookBody>(res, 201);
  expect(res.headers.get('location')).toBe(`/api/v1/webhooks/${created.id}`);
  expect(created).toMatchObject({
    ownerId,
    campaignId: null,
    url: 'https://hooks.example.com/voicecast',
    events: ['call.completed', 'recording.uploaded', 'call.ingested'],
    active: true,
  });
  const secret = created.secret ?? '';
  expect(secret).toMatch(SECRET);

  // Stored sealed: the secret is not in the database in the clear.
  const { rows } = await db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM webhook WHERE id = $1', [
    created.id,
  ]);
  expect(rows[0]?.secret_sealed).toMatch(/^v1\./);
  expect(rows[0]?.secret_sealed).not.toContain(secret);

  const got = await json<WebhookBody>(await call('GET', `/api/v1/webhooks/${created.id}`, { token }), 200);
  const { secret: _, ...view } = created;
  expect(got).toEqual(view);
  const listed = await json<{ items: WebhookBody[] }>(await call('GET', '/api/v1/webhooks', { token }), 200);
  expect(listed).toEqual({ items: [view] });
  const changed = await json<WebhookBody>(
    await call('PATCH', `/api/v1/webhooks/${created.id}`, {
      token,
      body: { url: 'http://127.0.0.1:9/hook', events: ['recording.uploaded'], active: false },
    }),
    200,
  );
  expect(changed).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['recording.uploaded'], active: false });
  for (const body of [got, ...listed.items, changed]) expect(JSON.stringify(body)).not.toContain(secret);

  const rotated = await json<WebhookBody>(
    await call('POST', `/api/v1/webhooks/${created.id}/rotate-secret`, { token }),
    200,
  );
  expect(rotated.secret).toMatch(SECRET);
  expect(rotated.secret).not.toBe(secret);
  const again = await json<WebhookBody>(await call('GET', `/api/v1/webhooks/${created.id}`, { token }), 200);
  expect(again).not.toHaveProperty('secret');

  expect(await deliveries(token, created.id)).toEqual([]);
  expect((await call('DELETE', `/api/v1/webhooks/${created.id}`, { token })).status).toBe(204);
  await expectProblem(await call('GET', `/api/v1/webhooks/${created.id}`, { token }), 404, 'not-found');
});

test('a campaign webhook names one of your campaigns; events may be chosen', async () => {
  const { token } = await userToken();
  const campaign = await createCampaign(token, await campaignParts(token, 1));
  const hook = await createWebhook(token, {
    url: 'http://127.0.0.1:8080/x',
    campaignId: campaign.id,
    events: ['call.completed', 'call.completed'],
  });
  expect(hook).toMatchObject({ campaignId: campaign.id, events: ['call.completed'] });
  const owned = await json<WebhookBody>(
    await call('PATCH', `/api/v1/webhooks/${hook.id}`, { token, body: { campaignId: null } }),
    200,
  );
  expect(owned.campaignId).toBeNull();
});

test('bad input is a 422 naming the field, and nothing is written', async () => {
  const { id: ownerId, token } = await userToken();
  const other = await userToken();
  const theirs = await createCampaign(other.token, await campaignParts(other.token, 1));
  const cases: [Record<string, unknown>, string][] = [
    [{ url: 'ftp://hooks.example.com/' }, 'body.url'],
    [{ url: 'not a url' }, 'body.url'],
    [{ url: 'https://user:pw@hooks.example.com/' }, 'body.url'],
    [{ url: '' }, 'body.url'],
    [{ url: `https://hooks.example.com/${'x'.repeat(2100)}` }, 'body.url'],
    // Cloud metadata and a private network: outside the stack's WEBHOOK_ALLOWED_NETWORKS (loopback).
    [{ url: 'http://169.254.169.254/latest/meta-data/' }, 'body.url'],
    [{ url: 'http://10.0.0.1:8080/hook' }, 'body.url'],
    [{}, 'body.url'],
    [{ url: 'https://hooks.example.com/', campaignId: theirs.id }, 'body.campaignId'],
    [{ url: 'https://hooks.example.com/', campaignId: '00000000-0000-4000-8000-000000000000' }, 'body.campaignId'],
    [{ url: 'https://hooks.example.com/', campaignId: 'nope' }, 'body.campaignId'],
    [{ url: 'https://hooks.example.com/', events: [] }, 'body.events'],
    // tsoa names array items without the `body.` prefix (as in trunks.test.ts).
    [{ url: 'https://hooks.example.com/', events: ['call.started'] }, 'events.$0'],
    [{ url: 'https://hooks.example.com/', active: 'yes' }, 'body.active'],
    [{ url: 'https://hooks.example.com/', secret: 'mine' }, 'body'],
  ];
  for (const [body, field] of cases) {
    const problem = await expectProblem(
      await call('POST', '/api/v1/webhooks', { token, body }),
      422,
      'validation-error',
    );
    const fields = (problem.errors as { field: string }[]).map((e) => e.field);
    const named = new RegExp(`^${field.replace(/[.$]/g, '\\$&')}($|[.[])`);
    expect([body, fields]).toEqual([body, expect.arrayContaining([expect.stringMatching(named)])]);
  }
  const { rows } = await db.query('SELECT 1 FROM webhook WHERE owner_id = $1', [ownerId]);
  expect(rows).toHaveLength(0);

  const hook = await createWebhook(token, { url: 'https://hooks.example.com/' });
  const bad = await call('PATCH', `/api/v1/webhooks/${hook.id}`, {
    token,
    body: { url: 'gopher://x', campaignId: theirs.id, active: false },
  });
  const problem = await expectProblem(bad, 422, 'validation-error');
  expect((problem.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['body.campaignId', 'body.url']);
  const unchanged = await json<WebhookBody>(await call('GET', `/api/v1/webhooks/${hook.id}`, { token }), 200);
  expect(unchanged).toMatchObject({ url: 'https://hooks.example.com/', active: true });

  for (const query of ['limit=0', 'limit=201', 'after=garbage', 'status=lost']) {
    await expectProblem(
      await call('GET', `/api/v1/webhooks/${hook.id}/deliveries?${query}`, { token }),
      422,
      'validation-error',
    );
  }
});

test("another owner's webhook is 404 everywhere; an administrator sees it", async () => {
  const owner = await userToken();
  const stranger = await userToken();
  const hook = await createWebhook(owner.token, { url: 'https://hooks.example.com/' });
  const paths: [string, string, unknown?][] = [
    ['GET', `/api/v1/webhooks/${hook.id}`],
    ['PATCH', `/api/v1/webhooks/${hook.id}`, { active: false }],
    ['POST', `/api/v1/webhooks/${hook.id}/rotate-secret`],
    ['GET', `/api/v1/webhooks/${hook.id}/deliveries`],
    ['DELETE', `/api/v1/webhooks/${hook.id}`],
  ];
  for (const [method, path, body] of paths) {
    await expectProblem(await call(method, path, { token: stranger.token, body }), 404, 'not-found');
  }
  await expectProblem(
    await call('GET', '/api/v1/webhooks/not-a-uuid', { token: stranger.token }),
    422,
    'validation-error',
  );
  expect(
    await json<{ items: WebhookBody[] }>(await call('GET', '/api/v1/webhooks', { token: stranger.token }), 200),
  ).toEqual({
    items: [],
  });
  const admin = await adminToken();
  expect(
    await json<WebhookBody>(await call('GET', `/api/v1/webhooks/${hook.id}`, { token: admin }), 200),
  ).toMatchObject({
    id: hook.id,
    active: true,
  });
  await expectProblem(await call('GET', '/api/v1/webhooks'), 401, 'unauthorized');
});

test('the secret reaches no log line, even at trace level', async () => {
  const extra = await startExtraApi({ LOG_LEVEL: 'trace' });
  try {
    const user = await createUser();
    const { access_token: token } = await login(user.username, user.password, extra.url);
    const send = (method: string, path: string, body?: unknown) =>
      fetch(`${extra.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = await json<WebhookBody>(
      await send('POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/' }),
      201,
    );
    const rotated = await json<WebhookBody>(await send('POST', `/api/v1/webhooks/${created.id}/rotate-secret`), 200);
    await json(await send('GET', `/api/v1/webhooks/${created.id}`), 200);
    const log = readFileSync(extra.logFile, 'utf8');
    expect(log).toContain(created.id); // the requests were logged…
    for (const secret of [created.secret, rotated.secret]) {
      expect(secret).toMatch(SECRET);
      expect(log).not.toContain(secret); // …their secrets not
    }
  } finally {
    await extra.stop();
  }
});
