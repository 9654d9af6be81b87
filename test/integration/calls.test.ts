/**
 * The call journal API against the stack's API and database: search filters, keyset
 * paging, one call, tags and the private flag, ownership. Journal rows are written with
 * SQL here (test/support/journal.ts); calls-recording.test.ts covers recordings and a
 * journal written by a real campaign.
 */
import { randomInt } from 'node:crypto';
import { Pool } from 'pg';
import { adminToken, call, expectProblem } from '../support/api';
import { json, userToken } from '../support/campaigns';
import { insertBareCampaign, insertCalls, type JournalSeed } from '../support/journal';
import { readStack } from '../support/stack';

jest.setTimeout(60_000);

interface CallBody {
  id: string;
  ownerId: string;
  phone: string;
  inviteAt: string;
  outcome: string;
  tags: string[];
  private: boolean;
  [key: string]: unknown;
}
interface Page {
  items: CallBody[];
  nextCursor?: string;
}

let db: Pool;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
  [alice, bob] = await Promise.all([userToken(), userToken()]);
});

afterAll(async () => {
  await db?.end();
});

/** A Berlin number no other test uses (the administrator sees every owner's calls). */
const freshPhone = () => `+4930${randomInt(20_000_000, 99_999_999)}`;

async function list(token: string, query: Record<string, string | number | undefined>): Promise<Page> {
  const qs = new URLSearchParams(
    Object.entries(query).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])),
  );
  return json<Page>(await call('GET', `/api/v1/calls?${qs.toString()}`, { token }), 200);
}

async function fieldsOfProblem(res: Response): Promise<string[]> {
  const body = await expectProblem(res, 422, 'validation-error');
  return (body.errors as { field: string }[]).map((e) => e.field);
}

test('a call shows every useful field; another owner gets 404 for it; an administrator sees every owner', async () => {
  const phone = freshPhone();
  const [answered, busy] = await insertCalls(db, [
    {
      ownerId: alice.id,
      phone,
      inviteAt: '2026-11-30T10:00:00.123456Z',
      recordingKey: 'some/key.wav',
      tags: ['vip'],
    },
    { ownerId: alice.id, phone, inviteAt: '2026-11-30T11:00:00Z', outcome: 'busy' },
  ]);
  const [bobs] = await insertCalls(db, [{ ownerId: bob.id, phone, inviteAt: '2026-11-30T12:00:00Z' }]);

  const view = await json<CallBody>(await call('GET', `/api/v1/calls/${answered}`, { token: alice.token }), 200);
  expect(view).toEqual({
    id: answered,
    ownerId: alice.id,
    campaignId: null,
    campaignContactId: null,
    attempt: 1,
    phone,
    trunkId: null,
    trunkAttempts: [],
    callerIdNumber: null,
    inviteAt: '2026-11-30T10:00:00.123Z',
    ringingAt: null,
    answerAt: '2026-11-30T10:00:02.123Z',
    endAt: '2026-11-30T10:00:12.123Z',
    outcome: 'answered',
    inProgress: false,
    sipCode: 200,
    sipReason: 'OK',
    hungUpBy: 'them',
    endReason: 'seeded',
    talkMs: 10000,
    codec: 'PCMA',
    rtp: { packetsSent: 500, octetsSent: 80000, packetsReceived: 498, packetsLost: 2, jitterMs: 1.5 },
    dtmf: [{ digit: '1', atMs: 3000, durationMs: 120, source: 'rfc4733' }],
    optedOut: false,
    machineDetection: null,
    tags: ['vip'],
    private: false,
    hasRecording: true,
    recordingState: 'stored',
    recordingError: null,
    recordingUrl: `/api/v1/calls/${answered}/recording`,
    variables: {},
    source: null,
    externalId: null,
    direction: null,
    from: null,
    to: null,
    fields: null,
  });

  expect((await list(alice.token, { phone })).items.map((c) => c.id)).toEqual([busy, answered]);
  expect((await list(bob.token, { phone })).items.map((c) => c.id)).toEqual([bobs]);
  expect((await list(await adminToken(), { phone })).items.map((c) => c.id)).toEqual([bobs, busy, answered]);
  const admin = await json<CallBody>(
    await call('GET', `/api/v1/calls/${answered}`, { token: await adminToken() }),
    200,
  );
  expect(admin.ownerId).toBe(alice.id);

  for (const res of [
    await call('GET', `/api/v1/calls/${answered}`, { token: bob.token }),
    await call('PATCH', `/api/v1/calls/${answered}`, { token: bob.token, body: { private: true } }),
    await call('GET', `/api/v1/calls/${answered}/recording`, { token: bob.token }),
    await call('GET', '/api/v1/calls/00000000-0000-4000-8000-000000000000', { token: alice.token }),
  ]) {
    await expectProblem(res, 404, 'not-found');
  }
  // A malformed id breaks the path's documented pattern: 422 naming it, no database lookup.
  const malformed = await expectProblem(
    await call('GET', '/api/v1/calls/not-a-uuid', { token: alice.token }),
    422,
    'validation-error',
  );
  expect(malformed.errors).toEqual([expect.objectContaining({ field: 'id' })]);
  const { rows } = await db.query('SELECT recording_private FROM call_record WHERE id = $1', [answered]);
  expect(rows[0].recording_private).toBe(false); // bob's PATCH changed nothing
  expect((await call('GET', '/api/v1/calls')).status).toBe(401);
});

test('the phone filter takes the number in any usual form', async () => {
  const national = String(randomInt(20_000_000, 99_999_999));
  const phone = `+4930${national}`;
  const other = freshPhone();
  const ids = await insertCalls(db, [
    { ownerId: alice.id, phone, inviteAt: '2026-11-01T08:00:00Z' },
    { ownerId: alice.id, phone, inviteAt: '2026-11-02T08:00:00Z', outcome: 'no_answer' },
    { ownerId: alice.id, phone: other, inviteAt: '2026-11-03T08:00:00Z' },
  ]);
  const spaced = `30 ${national.slice(0, 4)} ${national.slice(4)}`;
  for (const query of [
    { phone },
    { phone: `+49 ${spaced}` },
    { phone: `+49 (0)${spaced}` },
    { phone: `0049${spaced.replace(/ /g, '')}` },
    { phone: `0${spaced}`, defaultCountry: 'DE' },
    { phone: `(0${spaced.slice(0, 2)}) ${national.slice(0, 4)}-${national.slice(4)}`, defaultCountry: 'de' },
  ]) {
    expect([query, (await list(alice.token, query)).items.map((c) => c.id)]).toEqual([query, [ids[1], ids[0]]]);
  }
  expect((await list(alice.token, { phone: other })).items.map((c) => c.id)).toEqual([ids[2]]);
});

test('interval (from inclusive, to exclusive, offsets honoured), campaign and outcome filters combine', async () => {
  const phone = freshPhone();
  const campaign = await insertBareCampaign(db, alice.id);
  const seeds: JournalSeed[] = [
    { ownerId: alice.id, phone, inviteAt: '2026-10-05T08:59:59.999999Z', campaignId: campaign },
    { ownerId: alice.id, phone, inviteAt: '2026-10-05T09:00:00Z', campaignId: campaign, outcome: 'busy' },
    { ownerId: alice.id, phone, inviteAt: '2026-10-05T09:30:00Z', campaignId: campaign },
    { ownerId: alice.id, phone, inviteAt: '2026-10-05T09:59:59.999999Z', outcome: 'busy' },
    { ownerId: alice.id, phone, inviteAt: '2026-10-05T10:00:00Z', campaignId: campaign },
  ];
  const ids = await insertCalls(db, seeds);
  const hour = { from: '2026-10-05T11:00:00+02:00', to: '2026-10-05T06:00:00-0400' };
  expect((await list(alice.token, { phone, ...hour })).items.map((c) => c.id)).toEqual([ids[3], ids[2], ids[1]]);
  expect((await list(alice.token, { phone, from: '2026-10-05T09:30:00Z' })).items.map((c) => c.id)).toEqual([
    ids[4],
    ids[3],
    ids[2],
  ]);
  expect((await list(alice.token, { phone, to: '2026-10-05T09:00:00.000001Z' })).items.map((c) => c.id)).toEqual([
    ids[1],
    ids[0],
  ]);
  expect((await list(alice.token, { campaignId: campaign })).items.map((c) => c.id)).toEqual([
    ids[4],
    ids[2],
    ids[1],
    ids[0],
  ]);
  expect((await list(alice.token, { phone, outcome: 'busy' })).items.map((c) => c.id)).toEqual([ids[3], ids[1]]);
  expect((await list(alice.token, { campaignId: campaign, outcome: 'busy', ...hour })).items.map((c) => c.id)).toEqual([
    ids[1],
  ]);
  expect((await list(bob.token, { campaignId: campaign })).items).toEqual([]);
  expect((await list(alice.token, { phone, from: hour.from, to: hour.from })).items).toEqual([]);
});

test('validation errors name the field', async () => {
  const cases: [Record<string, string>, string[]][] = [
    [{ phone: 'call me maybe' }, ['phone']],
    [{ phone: '030 1234567' }, ['phone']],
    [{ phone: '030 1234567', defaultCountry: 'XX' }, ['defaultCountry']],
    [{ from: '2026-12-01T09:00:00' }, ['from']],
    [{ to: 'yesterday' }, ['to']],
    [{ from: '2026-12-01T10:00:00+01:00', to: '2026-12-01T08:59:59Z' }, ['to']],
    [{ outcome: 'maybe' }, ['outcome']],
    [{ campaignId: 'nope' }, ['campaignId']],
    [{ limit: '501' }, ['limit']],
    [{ limit: '0' }, ['limit']],
    [{ limit: 'ten' }, ['limit']],
    [{ after: 'nope' }, ['after']],
  ];
  for (const [query, fields] of cases) {
    const res = await call('GET', `/api/v1/calls?${new URLSearchParams(query).toString()}`, { token: alice.token });
    expect([query, await fieldsOfProblem(res)]).toEqual([query, fields]);
  }
  expect((await list(alice.token, { limit: 500 })).items.length).toBeLessThanOrEqual(500);
});

test('PATCH sets tags (trimmed, deduplicated) and the private flag; bad input names the field', async () => {
  const [id] = await insertCalls(db, [{ ownerId: alice.id, phone: freshPhone(), tags: ['old'] }]);
  const patch = (body: unknown) => call('PATCH', `/api/v1/calls/${id}`, { token: alice.token, body });
  const tagged = await json<CallBody>(await patch({ tags: [' callback', 'vip', 'callback '] }), 200);
  expect([tagged.tags, tagged.private]).toEqual([['callback', 'vip'], false]);
  const hidden = await json<CallBody>(await patch({ private: true }), 200);
  expect([hidden.tags, hidden.private]).toEqual([['callback', 'vip'], true]);
  const both = await json<CallBody>(await patch({ tags: [], private: false }), 200);
  expect([both.tags, both.private]).toEqual([[], false]);
  const stored = await json<CallBody>(await call('GET', `/api/v1/calls/${id}`, { token: alice.token }), 200);
  expect([stored.tags, stored.private]).toEqual([[], false]);

  for (const [body, fields] of [
    [{ tags: [{ name: 'vip' }] }, ['tags.$0']], // tsoa's name for an element of the wrong type
    [{ tags: ['ok', ' '] }, ['body.tags.1']],
    [{ tags: ['x'.repeat(51)] }, ['body.tags.0']],
    [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, ['body.tags']],
    [{ private: 'yes' }, ['body.private']],
    [{ colour: 'red' }, ['body.colour']],
  ] as const) {
    expect([body, await fieldsOfProblem(await patch(body))]).toEqual([body, fields]);
  }
  const after = await json<CallBody>(await call('GET', `/api/v1/calls/${id}`, { token: alice.token }), 200);
  expect([after.tags, after.private]).toEqual([[], false]); // nothing half-written
});

/** `count` microsecond-distinct times inside one millisecond, and `count` identical ones: the cursor's hard cases. */
function trickyTimes(count: number): string[] {
  const sameMilli = Array.from({ length: count }, (_, i) => `2026-09-01T12:00:00.123${String(i).padStart(3, '0')}Z`);
  const identical = Array.from({ length: count }, () => '2026-09-01T11:00:00.000500Z');
  const spread = Array.from({ length: count }, (_, i) => new Date(Date.UTC(2026, 8, 1, 10) - i * 997).toISOString());
  return [...sameMilli, ...identical, ...spread];
}

test('cursor paging returns every row exactly once, to the microsecond, while new calls arrive', async () => {
  const owner = await userToken();
  const phone = freshPhone();
  const seeded = await insertCalls(
    db,
    trickyTimes(60).map((inviteAt) => ({ ownerId: owner.id, phone, inviteAt })),
  );
  let inserting = true;
  const arrived: string[] = [];
  const writer = (async () => {
    // New calls keep arriving: now() (newer than every page) and older ones in the middle of the range.
    for (let i = 0; inserting; i += 1) {
      const past = `2026-09-01T${String(10 + (i % 3)).padStart(2, '0')}:00:00.${String(randomInt(0, 999_999)).padStart(6, '0')}Z`;
      arrived.push(
        ...(await insertCalls(db, [
          { ownerId: owner.id, phone },
          { ownerId: owner.id, phone, inviteAt: past },
        ])),
      );
    }
  })();
  const seen: CallBody[] = [];
  let cursor: string | undefined;
  let pages = 0;
  try {
    do {
      const page = await list(owner.token, { phone, limit: 7, ...(cursor ? { after: cursor } : {}) });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
  } finally {
    inserting = false;
    await writer;
  }
  const ids = seen.map((c) => c.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(seeded.filter((id) => !ids.includes(id))).toEqual([]);
  expect(arrived.length).toBeGreaterThan(0);
  expect(pages).toBeGreaterThanOrEqual(Math.ceil(seeded.length / 7));
  // Newest first: the order of the exact times in the database.
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM call_record WHERE id = ANY($1) ORDER BY invite_at DESC, id DESC',
    [ids],
  );
  expect(ids).toEqual(rows.map((r) => r.id));
});
