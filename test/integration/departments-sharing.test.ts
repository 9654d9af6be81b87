/**
 * Sharing within a department (issue 25, docs/departments.md) over real HTTP with real
 * tokens: two departments of two users each, and one user in none. A member sees what the
 * other member shares (lists, gets), uses it in their own campaigns, and may not change it
 * (403); nobody outside the department sees any of it (404, not in lists, not in headers,
 * not in exports), and a delivery never goes to another department's webhook. A shared
 * blocklist entry blocks the number for every member at dial time (db/blocklist.ts).
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { isBlocked } from '../../db/blocklist';
import { ownerTrunkRows } from '../../db/trunk-config';
import { adminToken, call, expectProblem, problemFields } from '../support/api';
import { campaignBody, campaignParts, createCampaign, json, userToken, type CampaignParts } from '../support/campaigns';
import { berlinNumber, externalCall } from '../support/external-calls';
import { insertCalls } from '../support/journal';
import { readStack } from '../support/stack';
import { WebhookReceiver } from '../support/webhook-receiver';
import { createWebhook, waitFor } from '../support/webhooks';

jest.setTimeout(90_000);

interface Member {
  id: string;
  token: string;
  username: string;
}

/** One user's objects of the six shareable kinds. */
interface Owned extends CampaignParts {
  campaignId: string;
  blocklistId: string;
  blocklistPhone: string;
  webhookId: string;
  webhookPath: string;
}

const KINDS = ['trunks', 'audio', 'contact-lists', 'campaigns', 'blocklist', 'webhooks'] as const;
type Kind = (typeof KINDS)[number];

let db: Pool;
let admin: string;
let receiver: WebhookReceiver;
let a1: Member, a2: Member, b1: Member, b2: Member, loner: Member;
let deptA: { id: string; name: string };
let deptB: { id: string; name: string };
let ownA1: Owned, ownA2: Owned, ownB1: Owned;

const idOf = (o: Owned, kind: Kind): string =>
  ({
    trunks: o.trunkId,
    audio: o.audioId,
    'contact-lists': o.contactListId,
    campaigns: o.campaignId,
    blocklist: o.blocklistId,
    webhooks: o.webhookId,
  })[kind];

async function member(): Promise<Member> {
  const { id, token, user } = await userToken();
  return { id, token, username: user.username };
}

async function department(): Promise<{ id: string; name: string }> {
  const name = `Team ${randomUUID().slice(0, 8)}`;
  return json(await call('POST', '/api/v1/departments', { token: admin, body: { name } }), 201);
}

async function join(d: { id: string }, m: Member): Promise<void> {
  await json(await call('PUT', `/api/v1/departments/${d.id}/members/${m.id}`, { token: admin }), 200);
}

async function share(m: Member, kind: Kind, id: string, shared = true): Promise<Response> {
  return call('PUT', `/api/v1/${kind}/${id}/sharing`, { token: m.token, body: { shared } });
}

/** The six kinds of `m`, all shared with m's department. */
async function ownAndShare(m: Member): Promise<Owned> {
  const parts = await campaignParts(m.token, 2, { phones: [berlinNumber(), berlinNumber()] });
  const campaign = await createCampaign(m.token, parts);
  const blocklistPhone = berlinNumber();
  const entry = await json<{ id: string }>(
    await call('POST', '/api/v1/blocklist', { token: m.token, body: { phone: blocklistPhone } }),
    201,
  );
  const webhookPath = `/hooks/${randomUUID()}`;
  const hook = await createWebhook(m.token, { url: receiver.url(webhookPath, () => 204) });
  const owned: Owned = {
    ...parts,
    campaignId: campaign.id,
    blocklistId: entry.id,
    blocklistPhone,
    webhookId: hook.id,
    webhookPath,
  };
  for (const kind of KINDS) {
    expect(await json(await share(m, kind, idOf(owned, kind)), 200)).toEqual({
      id: idOf(owned, kind),
      ownerId: m.id,
      shared: true,
    });
  }
  return owned;
}

/** Every id listed by `GET /api/v1/<kind>` for `m`, through the pages. */
async function listed(m: Member, kind: Kind): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await json<{ items: { id: string }[]; nextCursor?: string }>(
      await call('GET', `/api/v1/${kind}?limit=200${after ? `&after=${after}` : ''}`, { token: m.token }),
      200,
    );
    ids.push(...page.items.map((i) => i.id));
    after = page.nextCursor;
  } while (after);
  return ids;
}

/** No header of `res` names anything of `foreign` (ids, names, phone numbers). */
function expectNoLeakInHeaders(res: Response, foreign: readonly string[]): void {
  const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  for (const secret of foreign) expect(headers).not.toContain(secret);
}

/** What of A's must never reach B: ids, owner names and the department's name. */
const foreignToB = (): string[] => [
  ...[ownA1, ownA2].flatMap((o) => KINDS.map((k) => idOf(o, k))),
  a1.id,
  a2.id,
  a1.username,
  a2.username,
  deptA.id,
  deptA.name,
];

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  admin = await adminToken();
  receiver = await WebhookReceiver.start();
  [a1, a2, b1, b2, loner] = await Promise.all([member(), member(), member(), member(), member()]);
  [deptA, deptB] = await Promise.all([department(), department()]);
  await Promise.all([join(deptA, a1), join(deptA, a2), join(deptB, b1), join(deptB, b2)]);
  [ownA1, ownA2, ownB1] = await Promise.all([ownAndShare(a1), ownAndShare(a2), ownAndShare(b1)]);
});

afterAll(async () => {
  await receiver?.close();
  await db?.end();
});

test('members see what their department shares, and nothing of another department', async () => {
  for (const kind of KINDS) {
    const a = [idOf(ownA1, kind), idOf(ownA2, kind)];
    const b = idOf(ownB1, kind);
    const seenByA2 = await listed(a2, kind);
    expect(seenByA2).toEqual(expect.arrayContaining(a));
    expect(seenByA2).not.toContain(b);
    const seenByB2 = await listed(b2, kind);
    expect(seenByB2).toContain(b);
    for (const id of a) expect(seenByB2).not.toContain(id);
    const seenByLoner = await listed(loner, kind);
    for (const id of [...a, b]) expect(seenByLoner).not.toContain(id);

    const got = await json<{ ownerId: string; shared: boolean }>(
      await call('GET', `/api/v1/${kind}/${idOf(ownA1, kind)}`, { token: a2.token }),
      200,
    );
    expect(got).toMatchObject({ ownerId: a1.id, shared: true });
    for (const outsider of [b1, b2, loner]) {
      const res = await call('GET', `/api/v1/${kind}/${idOf(ownA1, kind)}`, { token: outsider.token });
      expectNoLeakInHeaders(res, foreignToB());
      await expectProblem(res, 404, 'not-found');
    }
  }
  // An administrator sees everything, shared or not.
  for (const kind of KINDS) {
    const all = await json<{ id: string }>(
      await call('GET', `/api/v1/${kind}/${idOf(ownB1, kind)}`, { token: admin }),
      200,
    );
    expect(all.id).toBe(idOf(ownB1, kind));
  }
});

test("a member may not change another member's shared object (403); outsiders get 404", async () => {
  const attempts = (o: Owned): [string, string, unknown?][] => [
    ['PATCH', `/api/v1/trunks/${o.trunkId}`, { name: 'mine now' }],
    ['POST', `/api/v1/trunks/${o.trunkId}/test`],
    ['DELETE', `/api/v1/trunks/${o.trunkId}`],
    ['DELETE', `/api/v1/audio/${o.audioId}`],
    ['DELETE', `/api/v1/contact-lists/${o.contactListId}`],
    ['PATCH', `/api/v1/campaigns/${o.campaignId}`, { name: 'mine now' }],
    ['POST', `/api/v1/campaigns/${o.campaignId}/start`],
    ['POST', `/api/v1/campaigns/${o.campaignId}/cancel`],
    ['DELETE', `/api/v1/campaigns/${o.campaignId}`],
    ['DELETE', `/api/v1/blocklist/${o.blocklistId}`],
    ['PATCH', `/api/v1/webhooks/${o.webhookId}`, { active: false }],
    ['POST', `/api/v1/webhooks/${o.webhookId}/rotate-secret`],
    ['GET', `/api/v1/webhooks/${o.webhookId}/deliveries`],
    ['DELETE', `/api/v1/webhooks/${o.webhookId}`],
    ...KINDS.map((k): [string, string, unknown] => ['PUT', `/api/v1/${k}/${idOf(o, k)}/sharing`, { shared: false }]),
  ];
  for (const [method, path, body] of attempts(ownA1)) {
    await expectProblem(await call(method, path, { token: a2.token, body }), 403, 'forbidden');
    const outsider = await call(method, path, { token: b1.token, body });
    expectNoLeakInHeaders(outsider, foreignToB());
    await expectProblem(outsider, 404, 'not-found');
  }
  // Nothing changed: still there, still shared, still a1's.
  for (const kind of KINDS) {
    const got = await json<{ ownerId: string; shared: boolean }>(
      await call('GET', `/api/v1/${kind}/${idOf(ownA1, kind)}`, { token: a1.token }),
      200,
    );
    expect(got).toMatchObject({ ownerId: a1.id, shared: true });
  }
});

test("members build campaigns of a member's shared trunk, audio and list; outsiders cannot", async () => {
  const mine = await createCampaign(a2.token, ownA1);
  expect(mine).toMatchObject({ ownerId: a2.id, shared: false, trunkId: ownA1.trunkId });
  // While a2's campaign runs, a1 cannot delete the trunk, and the 409 does not name a2's campaign.
  await db.query(`UPDATE campaign SET status = 'paused' WHERE id = $1`, [mine.id]);
  const refused = await call('DELETE', `/api/v1/trunks/${ownA1.trunkId}`, { token: a1.token });
  const conflict = await expectProblem(refused, 409, 'conflict');
  expect(conflict.detail).toContain('1 campaign(s) of other users');
  expect(JSON.stringify(conflict)).not.toContain(mine.id);
  expect(JSON.stringify(conflict)).not.toContain(mine.name);
  await db.query(`UPDATE campaign SET status = 'cancelled' WHERE id = $1`, [mine.id]);
  const grouped = await call('POST', '/api/v1/campaigns', {
    token: a2.token,
    body: campaignBody(ownA2, { trunkIds: [ownA2.trunkId, ownA1.trunkId] }),
  });
  expect(grouped.status).toBe(201);
  // The worker reads the trunks the same way: a1's shared trunk is usable by a2, not by b1.
  expect((await ownerTrunkRows(db, [ownA1.trunkId], a2.id)).map((t) => t.id)).toEqual([ownA1.trunkId]);
  expect(await ownerTrunkRows(db, [ownA1.trunkId], b1.id)).toEqual([]);

  const foreign = await call('POST', '/api/v1/campaigns', { token: b1.token, body: campaignBody(ownA1) });
  expectNoLeakInHeaders(foreign, foreignToB());
  expect(await problemFields(foreign)).toEqual(['body.audioId', 'body.contactListId', 'body.trunkId']);
  const grouping = await call('POST', '/api/v1/campaigns', {
    token: b1.token,
    body: campaignBody(ownB1, { trunkIds: [ownB1.trunkId, ownA1.trunkId] }),
  });
  expect(await problemFields(grouping)).toEqual(['body.trunkIds[1]']);
});

test("a shared campaign's calls stay its owner's: not in others' journal, export or results", async () => {
  const phone = berlinNumber();
  await insertCalls(db, [{ ownerId: a1.id, phone, campaignId: ownA1.campaignId, outcome: 'answered' }]);
  const exportPath = `/api/v1/calls/export?campaignId=${ownA1.campaignId}`;
  const own = await call('GET', exportPath, { token: a1.token });
  expect(own.status).toBe(200);
  expect(await own.text()).toContain(phone);

  for (const other of [a2, b1]) {
    // The export filtered by the campaign is the caller's own calls of it: none.
    const filtered = await call('GET', exportPath, { token: other.token });
    expect(filtered.status).toBe(200);
    expectNoLeakInHeaders(filtered, [phone, a1.id, a1.username]);
    expect(await filtered.text()).not.toContain(phone);
    const results = await call('GET', `/api/v1/campaigns/${ownA1.campaignId}/results`, { token: other.token });
    if (other === b1) expectNoLeakInHeaders(results, foreignToB());
    await expectProblem(results, 404, 'not-found');
    const everything = await call('GET', '/api/v1/calls/export', { token: other.token });
    expect(everything.status).toBe(200);
    expectNoLeakInHeaders(everything, [phone, a1.username]);
    expect(await everything.text()).not.toContain(phone);
    const journal = await json<{ items: { phone: string }[] }>(
      await call('GET', `/api/v1/calls?phone=${encodeURIComponent(phone)}`, { token: other.token }),
      200,
    );
    expect(journal.items).toEqual([]);
  }
});

test("a delivery never goes to another member's or another department's webhook", async () => {
  const ingested = await json<{ id: string }>(
    await call('POST', '/api/v1/calls', { token: a1.token, body: externalCall() }),
    201,
  );
  await waitFor('a1 hears of its call', () => receiver.on(ownA1.webhookPath).some((r) => r.body.includes(ingested.id)));
  const { rows } = await db.query<{ webhook_id: string }>(
    `SELECT webhook_id FROM webhook_delivery WHERE body::text LIKE '%' || $1 || '%'`,
    [ingested.id],
  );
  expect(rows.map((r) => r.webhook_id)).toEqual([ownA1.webhookId]);
  for (const path of [ownA2.webhookPath, ownB1.webhookPath]) {
    expect(receiver.on(path).filter((r) => r.body.includes(ingested.id))).toEqual([]);
  }
});

test('a shared blocklist entry blocks the number for every member, and only for them', async () => {
  const phone = ownA1.blocklistPhone;
  expect(await isBlocked(db, a1.id, phone)).toBe(true);
  expect(await isBlocked(db, a2.id, phone)).toBe(true);
  expect(await isBlocked(db, b1.id, phone)).toBe(false);
  expect(await isBlocked(db, loner.id, phone)).toBe(false);

  expect(await json(await share(a1, 'blocklist', ownA1.blocklistId, false), 200)).toMatchObject({ shared: false });
  expect(await isBlocked(db, a2.id, phone)).toBe(false);
  expect(await isBlocked(db, a1.id, phone)).toBe(true);
  await expectProblem(
    await call('GET', `/api/v1/blocklist/${ownA1.blocklistId}`, { token: a2.token }),
    404,
    'not-found',
  );
  expect(await json(await share(a1, 'blocklist', ownA1.blocklistId), 200)).toMatchObject({ shared: true });
});

test('sharing needs a department: 422 naming `shared` for an owner in none', async () => {
  const trunk = await json<{ id: string; shared: boolean }>(
    await call('POST', '/api/v1/trunks', {
      token: loner.token,
      body: { name: `t-${randomUUID().slice(0, 8)}`, host: '127.0.0.1', port: 9, callerIdNumber: '+4930999999' },
    }),
    201,
  );
  expect(trunk.shared).toBe(false);
  expect(await problemFields(await share(loner, 'trunks', trunk.id))).toEqual(['body.shared']);
  expect(
    await problemFields(await call('PUT', `/api/v1/trunks/${trunk.id}/sharing`, { token: loner.token, body: {} })),
  ).toEqual(['body.shared']);
});

test('a member who leaves takes their shares with them; a deleted department un-shares all', async () => {
  const leaver = await member();
  await join(deptB, leaver);
  const parts = await campaignParts(leaver.token, 1, { phones: [berlinNumber()] });
  expect((await share(leaver, 'trunks', parts.trunkId)).status).toBe(200);
  expect(await listed(b2, 'trunks')).toContain(parts.trunkId);

  expect((await call('DELETE', `/api/v1/departments/${deptB.id}/members/${leaver.id}`, { token: admin })).status).toBe(
    204,
  );
  expect(await listed(b2, 'trunks')).not.toContain(parts.trunkId);
  expect(await json(await call('GET', `/api/v1/trunks/${parts.trunkId}`, { token: leaver.token }), 200)).toMatchObject({
    shared: false,
  });

  const gone = await department();
  const [x, y] = await Promise.all([member(), member()]);
  await Promise.all([join(gone, x), join(gone, y)]);
  const xs = await campaignParts(x.token, 1, { phones: [berlinNumber()] });
  expect((await share(x, 'audio', xs.audioId)).status).toBe(200);
  expect((await call('GET', `/api/v1/audio/${xs.audioId}`, { token: y.token })).status).toBe(200);
  expect((await call('DELETE', `/api/v1/departments/${gone.id}`, { token: admin })).status).toBe(204);
  await expectProblem(await call('GET', `/api/v1/audio/${xs.audioId}`, { token: y.token }), 404, 'not-found');
});
