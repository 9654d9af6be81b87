/**
 * The audit log over real HTTP and PostgreSQL: an entry for each kind of change (trunks,
 * audio, contact lists, campaigns and their controls, calls, the blocklist, webhooks, users,
 * machine clients, policies and limits), who made it and from where; a user sees their own
 * entries, an administrator everyone's; filters and paging; refused attempts; hostile strings
 * stored and answered as given. Secrets: audit-secrets.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { adminToken, call, createUser, expectProblem, login, postForm } from '../support/api';
import { uploadAudio } from '../support/audio';
import { auditEntries, auditPage, type AuditBody } from '../support/audit';
import { campaignParts, campaignTestContext, closedWindow, createCampaign, json } from '../support/campaigns';
import { uploadContacts } from '../support/contact-lists';
import { insertCalls } from '../support/journal';
import { buildWav, encodeSamples, sine } from '../support/wav-builder';

const ctx = campaignTestContext();
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$/;

interface Actor {
  id: string;
  username: string;
  token: string;
}

async function actor(role: 'admin' | 'user' = 'user'): Promise<Actor> {
  const user = await createUser(role);
  return { id: user.id, username: user.username, token: (await login(user.username, user.password)).access_token };
}

async function ok(res: Response, status = 200): Promise<{ id: string }> {
  return json<{ id: string }>(res, status);
}

/** The entries' (action, targetId, status) oldest first: the order the test made them. */
const steps = (entries: AuditBody[]) => entries.map((e) => [e.action, e.targetId, e.status]).reverse();

test('every change to an owner’s resources is recorded: who, when, from where, what, on which, how it ended', async () => {
  const owner = await actor();
  const t = owner.token;
  const started = Date.now();
  const expected: [string, string | null, number][] = [];
  const did = (action: string, id: string | null, status: number) => expected.push([action, id, status]);

  const parts = await campaignParts(t, 2); // trunk, audio and list: recorded too
  did('trunk.create', parts.trunkId, 201);
  did('audio.upload', parts.audioId, 201);
  did('contact_list.import', parts.contactListId, 201);
  await ok(await call('PATCH', `/api/v1/trunks/${parts.trunkId}`, { token: t, body: { maxConcurrentCalls: 3 } }));
  did('trunk.update', parts.trunkId, 200);

  const campaign = await createCampaign(t, parts, { callingWindow: closedWindow() });
  did('campaign.create', campaign.id, 201);
  await ok(await call('PATCH', `/api/v1/campaigns/${campaign.id}`, { token: t, body: { maxAttempts: 2 } }));
  did('campaign.update', campaign.id, 200);
  await ctx.start(t, campaign.id);
  did('campaign.start', campaign.id, 200);
  for (const control of ['pause', 'resume', 'cancel'] as const) {
    await ok(await call('POST', `/api/v1/campaigns/${campaign.id}/${control}`, { token: t }));
    did(`campaign.${control}`, campaign.id, 200);
  }
  expect((await call('DELETE', `/api/v1/campaigns/${campaign.id}`, { token: t })).status).toBe(204);
  did('campaign.delete', campaign.id, 204);

  const [callId] = await insertCalls(ctx.pool, [{ ownerId: owner.id, phone: '+4930555000' }]);
  await ok(await call('PATCH', `/api/v1/calls/${callId}`, { token: t, body: { tags: ['vip'], private: true } }));
  did('call.update', callId ?? null, 200);

  const entry = await ok(await call('POST', '/api/v1/blocklist', { token: t, body: { phone: '+4930555111' } }), 201);
  did('blocklist.add', entry.id, 201);
  await ok(await uploadContacts(t, '+4930555222\n', {}, { path: '/api/v1/blocklist/upload' }));
  did('blocklist.upload', null, 200);
  expect((await call('DELETE', `/api/v1/blocklist/${entry.id}`, { token: t })).status).toBe(204);
  did('blocklist.remove', entry.id, 204);

  const hook = await ok(
    await call('POST', '/api/v1/webhooks', { token: t, body: { url: 'https://hooks.example.com/a' } }),
    201,
  );
  did('webhook.create', hook.id, 201);
  await ok(await call('PATCH', `/api/v1/webhooks/${hook.id}`, { token: t, body: { active: false } }));
  did('webhook.update', hook.id, 200);
  await ok(await call('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`, { token: t }));
  did('webhook.rotate_secret', hook.id, 200);
  expect((await call('DELETE', `/api/v1/webhooks/${hook.id}`, { token: t })).status).toBe(204);
  did('webhook.delete', hook.id, 204);

  for (const [path, id, action] of [
    [`/api/v1/trunks/${parts.trunkId}`, parts.trunkId, 'trunk.delete'],
    [`/api/v1/audio/${parts.audioId}`, parts.audioId, 'audio.delete'],
    [`/api/v1/contact-lists/${parts.contactListId}`, parts.contactListId, 'contact_list.delete'],
  ] as const) {
    expect((await call('DELETE', path, { token: t })).status).toBe(204);
    did(action, id, 204);
  }
  await ok(await call('PUT', '/api/v1/policies', { token: t, body: { frequencyCap: null } }));
  did('policy.update', owner.id, 200);

  const mine = await auditEntries(t);
  expect(steps(mine)).toEqual(expected);
  for (const e of mine) {
    expect(e.actor).toEqual({ userId: owner.id, username: owner.username, clientId: null, role: 'user' });
    expect(e.ip).toMatch(LOOPBACK);
    expect(e.outcome).toBe('success');
    expect(e.requestId).toEqual(expect.any(String));
    expect(Date.parse(e.createdAt)).toBeGreaterThanOrEqual(started - 1000);
  }
  const byAction = (a: string) => mine.find((e) => e.action === a);
  expect(byAction('trunk.update')).toMatchObject({
    route: 'PATCH /api/v1/trunks/{id}',
    targetType: 'trunk',
    changes: { maxConcurrentCalls: 3 },
  });
  expect(byAction('campaign.pause')).toMatchObject({ route: 'POST /api/v1/campaigns/{id}/pause', changes: {} });
  expect(byAction('call.update')?.changes).toEqual({ tags: ['vip'], private: true });
  expect(byAction('audio.upload')?.changes).toEqual({
    name: 'hello',
    file: { name: 'message.wav', type: expect.any(String), bytes: expect.any(Number) },
  });
  expect(byAction('policy.update')).toMatchObject({ targetType: 'policy', changes: { frequencyCap: null } });
});

test('an administrator’s changes to users, limits and machine clients are recorded', async () => {
  const admin = await actor('admin');
  const a = admin.token;
  const other = await ok(
    await call('POST', '/api/v1/users', {
      token: a,
      body: { username: `u-${randomUUID().slice(0, 8)}`, password: `pw-${randomUUID()}` },
    }),
    201,
  );
  await ok(await call('PATCH', `/api/v1/users/${other.id}`, { token: a, body: { displayName: 'Other' } }));
  await ok(await call('PUT', `/api/v1/users/${other.id}/limits`, { token: a, body: { maxWebhooks: 3 } }));
  const client = await ok(await call('POST', '/api/v1/clients', { token: a, body: { name: 'sync' } }), 201);
  await ok(await call('PATCH', `/api/v1/clients/${client.id}`, { token: a, body: { name: 'sync 2' } }));
  await ok(await call('POST', `/api/v1/clients/${client.id}/rotate-secret`, { token: a }));
  const admins = await auditEntries(a, { actorId: admin.id });
  expect(steps(admins)).toEqual([
    ['user.create', other.id, 201],
    ['user.update', other.id, 200],
    ['user.update_limits', other.id, 200],
    ['client.create', client.id, 201],
    ['client.update', client.id, 200],
    ['client.rotate_secret', client.id, 200],
  ]);
  expect(admins.find((e) => e.action === 'user.update_limits')?.changes).toEqual({ maxWebhooks: 3 });
});

test("a user sees only their own entries; an administrator sees everyone's", async () => {
  const admin = await adminToken();
  const [alice, bob] = [await actor(), await actor()];
  const trunk = { host: '127.0.0.1', callerIdNumber: '+4930999999' };
  const a = await ok(await call('POST', '/api/v1/trunks', { token: alice.token, body: { ...trunk, name: 'a' } }), 201);
  const b = await ok(await call('POST', '/api/v1/trunks', { token: bob.token, body: { ...trunk, name: 'b' } }), 201);

  expect((await auditEntries(alice.token)).map((e) => e.targetId)).toEqual([a.id]);
  expect((await auditEntries(bob.token)).map((e) => e.targetId)).toEqual([b.id]);
  // Naming someone else finds nothing, whether as actor or as target.
  expect(await auditPage(alice.token, { actorId: bob.id })).toEqual({ items: [] });
  expect(await auditPage(alice.token, { targetId: b.id })).toEqual({ items: [] });

  const all = await auditEntries(admin, { action: 'trunk.create', from: new Date(Date.now() - 60_000).toISOString() });
  expect(all.map((e) => e.targetId)).toEqual(expect.arrayContaining([a.id, b.id]));
  expect((await auditEntries(admin, { actorId: bob.id })).map((e) => e.targetId)).toEqual([b.id]);
});

test('a machine client acting for its owner is named; the entries are its owner’s', async () => {
  const owner = await actor('admin');
  const client = await json<{ id: string; clientSecret: string }>(
    await call('POST', '/api/v1/clients', { token: owner.token, body: { name: 'crm', role: 'user' } }),
    201,
  );
  const basic = Buffer.from(`${client.id}:${client.clientSecret}`).toString('base64');
  const tokenRes = await postForm(
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'api' },
    { authorization: `Basic ${basic}` },
  );
  const token = (await json<{ access_token: string }>(tokenRes, 200)).access_token;
  const entry = await ok(await call('POST', '/api/v1/blocklist', { token, body: { phone: '+4930555333' } }), 201);
  const [made] = await auditEntries(owner.token, { clientId: client.id });
  expect(made).toMatchObject({
    action: 'blocklist.add',
    targetId: entry.id,
    actor: { userId: owner.id, username: owner.username, clientId: client.id, role: 'user' },
  });
});

test('filters combine (action, prefix, target, outcome, interval) and pages never skip or repeat', async () => {
  const user = await actor();
  const t = user.token;
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const body = { name: `p${i}`, host: '127.0.0.1', callerIdNumber: '+4930999999' };
    ids.push((await ok(await call('POST', '/api/v1/trunks', { token: t, body }), 201)).id);
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  const between = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await ok(await call('PATCH', `/api/v1/trunks/${ids[0]}`, { token: t, body: { port: 5080 } }));
  await expectProblem(
    await call('PATCH', `/api/v1/trunks/${ids[1]}`, { token: t, body: { port: 0 } }),
    422,
    'validation-error',
  );

  const seen: string[] = [];
  let after: string | undefined;
  do {
    const page = await auditPage(t, { limit: '2', ...(after ? { after } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.items.map((e) => e.id));
    after = page.nextCursor;
  } while (after);
  expect(seen).toHaveLength(7);
  expect(new Set(seen).size).toBe(7);

  expect((await auditEntries(t, { action: 'trunk.create' })).map((e) => e.targetId)).toEqual([...ids].reverse());
  expect((await auditEntries(t, { action: 'trunk.*' })).length).toBe(7);
  expect((await auditEntries(t, { action: 'campaign.*' })).length).toBe(0);
  const history = await auditEntries(t, { targetType: 'trunk', targetId: ids[0] ?? '' });
  expect(history.map((e) => e.action)).toEqual(['trunk.update', 'trunk.create']);
  const rejected = await auditEntries(t, { outcome: 'rejected' });
  expect(rejected).toEqual([
    expect.objectContaining({ action: 'trunk.update', targetId: ids[1], status: 422, changes: null }),
  ]);
  expect((await auditEntries(t, { from: between })).map((e) => e.status)).toEqual([422, 200]);
  expect((await auditEntries(t, { to: between })).length).toBe(5);

  for (const [query, field] of [
    [{ after: 'not-a-cursor!' }, 'after'],
    [{ from: '2026-12-01' }, 'from'],
    [{ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 'from'],
    [{ action: 'DROP TABLE' }, 'action'],
    [{ targetType: 'planet' }, 'targetType'],
    [{ limit: '501' }, 'limit'],
  ] as const) {
    const res = await call('GET', `/api/v1/audit?${new URLSearchParams(query).toString()}`, { token: t });
    const problem = await expectProblem(res, 422, 'validation-error');
    expect(JSON.stringify(problem.errors)).toContain(field);
  }
});

test('refused attempts are recorded without their body; requests without a token are not', async () => {
  const user = await actor();
  const password = `pw-${randomUUID()}`;
  const denied = await call('POST', '/api/v1/users', { token: user.token, body: { username: 'x-denied', password } });
  expect(denied.status).toBe(403);
  const missing = await call('DELETE', `/api/v1/trunks/${randomUUID()}`, { token: user.token });
  expect(missing.status).toBe(404);
  const before = (await auditEntries(await adminToken(), { action: 'trunk.create' })).length;
  expect((await call('POST', '/api/v1/trunks', { body: { name: 'anon' } })).status).toBe(401);

  const entries = await auditEntries(user.token);
  expect(entries.map((e) => [e.action, e.status, e.outcome, e.changes])).toEqual([
    ['trunk.delete', 404, 'rejected', null],
    ['user.create', 403, 'denied', null],
  ]);
  expect(JSON.stringify(entries)).not.toContain(password);
  expect((await auditEntries(await adminToken(), { action: 'trunk.create' })).length).toBe(before);
});

test('hostile strings in bodies and paths are stored and answered exactly as sent, as JSON', async () => {
  const user = await actor();
  const hostile = `<script>alert(1)</script> '; DROP TABLE audit_entry; -- \u202Eevil ${'\u{1F4A9}'} "q" \\ \r\n=1+1`;
  const note = `${hostile}`.slice(0, 500);
  const entry = await ok(
    await call('POST', '/api/v1/blocklist', { token: user.token, body: { phone: '+4930555444', note } }),
    201,
  );
  const wav = buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000 }, encodeSamples([sine(440, 8000, 1)], 1, 16));
  const fileName = `"><img src=x onerror=alert(1)> \u202E\u{1F4A9}.wav`;
  expect((await uploadAudio({ token: user.token, bytes: wav, name: hostile.slice(0, 100), fileName })).status).toBe(
    201,
  );
  // A path the routes accept in another case, or with a trailing slash, is recorded the same.
  const body = { name: 'case', host: '127.0.0.1', callerIdNumber: '+4930999999' };
  const shouted = await ok(await call('POST', '/API/V1/TRUNKS/', { token: user.token, body }), 201);
  const badId = encodeURIComponent(`<b>${'\u0000'}x`);
  expect((await call('DELETE', `/api/v1/blocklist/${badId}`, { token: user.token })).status).toBe(422);

  const res = await call('GET', '/api/v1/audit', { token: user.token });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const { items } = (await res.json()) as { items: AuditBody[] };
  expect(items.map((e) => e.action)).toEqual(['blocklist.remove', 'trunk.create', 'audio.upload', 'blocklist.add']);
  expect(items[1]).toMatchObject({ targetId: shouted.id, route: 'POST /api/v1/trunks', changes: body });
  expect(items[3]).toMatchObject({ targetId: entry.id, changes: { phone: '+4930555444', note } });
  expect(items[2]?.changes).toMatchObject({ name: hostile.slice(0, 100), file: { name: fileName } });
  // A NUL cannot be stored in PostgreSQL text: it is kept as U+FFFD, the rest as sent.
  expect(items[0]).toMatchObject({ targetId: '<b>\uFFFDx', outcome: 'rejected' });
});
