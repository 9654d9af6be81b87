/**
 * External calls over REST (issue 24): POST /api/v1/calls and PUT /api/v1/calls/{id}/recording
 * against the real API, PostgreSQL and MinIO: idempotent resends, conflicting ones, hostile
 * and wrong input, another tenant's ids, the search and export finding external and own calls
 * together, and `private` refusing the download.
 */
import { request } from 'node:http';
import { Pool } from 'pg';
import { adminToken, call, expectProblem, problemFields } from '../support/api';
import { json, userToken } from '../support/campaigns';
import { berlinNumber, externalCall, toneWav } from '../support/external-calls';
import { insertCalls } from '../support/journal';
import { readStack } from '../support/stack';

jest.setTimeout(60_000);

interface CallBody {
  id: string;
  phone: string;
  source: string | null;
  externalId: string | null;
  direction: string | null;
  from: string | null;
  to: string | null;
  campaignId: string | null;
  outcome: string;
  talkMs: number | null;
  private: boolean;
  tags: string[];
  fields: Record<string, string> | null;
  hasRecording: boolean;
  recordingUrl: string | null;
}

let db: Pool;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  [alice, bob] = await Promise.all([userToken(), userToken()]);
});

afterAll(async () => {
  await db?.end();
});

const post = (body: unknown, token = alice.token) => call('POST', '/api/v1/calls', { token, body });
const upload = (id: string, wav: Buffer, token = alice.token, type = 'audio/wav') =>
  fetch(`${readStack().apiUrl}/api/v1/calls/${id}/recording`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: new Uint8Array(wav),
  });

test('a call is stored once: a resend answers it (200), other data under the same ids is a 409', async () => {
  const body = externalCall({ from: '0049 30 1234567', tags: ['support', 'private'] });
  const res = await post(body);
  const created = await json<CallBody>(res, 201);
  expect(res.headers.get('location')).toBe(`/api/v1/calls/${created.id}`);
  expect(created).toMatchObject({
    source: 'pbx-test',
    externalId: body.externalId,
    direction: 'inbound',
    from: '+49301234567',
    to: '201',
    phone: '+49301234567',
    campaignId: null,
    outcome: 'answered',
    talkMs: 60_000,
    private: true,
    fields: { channel: 'PJSIP/trunk-00000042' },
    hasRecording: false,
  });

  const again = await json<CallBody>(await post(body), 200);
  expect(again.id).toBe(created.id);
  // A PATCH since does not make the original a conflict.
  await json(await call('PATCH', `/api/v1/calls/${created.id}`, { token: alice.token, body: { tags: ['x'] } }), 200);
  expect((await json<CallBody>(await post(body), 200)).id).toBe(created.id);

  const other = await expectProblem(await post({ ...body, disposition: 'busy' }), 409, 'conflict');
  expect(other.errors).toEqual([{ field: 'externalId', message: 'already stored with other data' }]);
  const { rows } = await db.query(
    'SELECT count(*)::int AS n FROM call_record WHERE owner_id = $1 AND external_id = $2',
    [alice.id, body.externalId],
  );
  expect(rows[0].n).toBe(1);

  // The same ids are another call for another owner.
  expect((await json<CallBody>(await post(body, bob.token), 201)).id).not.toBe(created.id);
});

test('concurrent sends of one call store it once', async () => {
  const body = externalCall();
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(body)));
  const statuses = answers.map((r) => r.status).sort();
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
  const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as CallBody).id)));
  expect(ids.size).toBe(1);
});

test('bad input is a 422 naming each field', async () => {
  expect(await problemFields(await post({}))).toEqual(
    expect.arrayContaining(['body.direction', 'body.disposition', 'body.endAt', 'body.externalId', 'body.from']),
  );
  expect(
    await problemFields(
      await post(
        externalCall({
          source: 'pbx one',
          externalId: 'id\u0007bell',
          from: '+999',
          to: 'not a number',
          startAt: '2026-12-05 12:00',
          endAt: '1970-01-01T00:00:00Z',
        }),
      ),
    ),
  ).toEqual(['body.externalId', 'body.from', 'body.source', 'body.startAt', 'body.to', 'body.endAt'].sort());
  expect(await problemFields(await post(externalCall({ answerAt: '2026-12-05T13:00:00Z' })))).toEqual([
    'body.answerAt',
  ]);
  expect(await problemFields(await post(externalCall({ endAt: '2026-12-05T11:00:00Z', answerAt: null })))).toEqual([
    'body.endAt',
  ]);
  const wrongTypes = await problemFields(await post(externalCall({ from: 4930123, tags: 'a', private: 'yes' })));
  expect(wrongTypes).toEqual(expect.arrayContaining(['body.from', 'body.private', 'body.tags']));
  expect(await problemFields(await post(externalCall({ fields: { ok: 'x'.repeat(1025) } })))).toEqual([
    'body.fields.ok',
  ]);
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, 'v']));
  expect(await problemFields(await post(externalCall({ fields: many })))).toEqual(['body.fields']);
  expect(await problemFields(await post(externalCall({ fields: { 'bad name': 'v' } })))).toEqual(['body.fields']);
  expect(await problemFields(await post(externalCall({ externalId: 'x'.repeat(129) })))).toEqual(['body.externalId']);
  expect(await problemFields(await post(externalCall({ disposition: 'hung' })))).toEqual(['body.disposition']);
  // SIP URIs, extensions and anonymous are numbers too.
  const sip = externalCall({ from: 'anonymous', to: 'sip:alice@pbx.example.com', direction: 'outbound' });
  const stored = await json<CallBody>(await post(sip), 201);
  expect(stored).toMatchObject({ from: 'anonymous', to: 'sip:alice@pbx.example.com', phone: '' });
});

test('the search by number and interval finds external and own calls together; the export marks the source', async () => {
  const phone = berlinNumber();
  const [own] = await insertCalls(db, [{ ownerId: alice.id, phone, inviteAt: '2026-11-20T10:00:00.000000Z' }]);
  const inbound = await json<CallBody>(
    await post(
      externalCall({
        from: phone,
        startAt: '2026-11-20T11:00:00Z',
        answerAt: null,
        endAt: '2026-11-20T11:00:30Z',
        disposition: 'no_answer',
      }),
    ),
    201,
  );
  const outbound = await json<CallBody>(
    await post(
      externalCall({
        direction: 'outbound',
        from: '200',
        to: phone,
        startAt: '2026-11-20T12:00:00Z',
        answerAt: null,
        endAt: '2026-11-20T12:00:10Z',
        disposition: 'busy',
      }),
    ),
    201,
  );
  const page = await json<{ items: CallBody[] }>(
    await call('GET', `/api/v1/calls?phone=${encodeURIComponent(phone)}`, { token: alice.token }),
    200,
  );
  expect(page.items.map((c) => c.id)).toEqual([outbound.id, inbound.id, own]);
  const interval = await json<{ items: CallBody[] }>(
    await call(
      'GET',
      `/api/v1/calls?phone=${encodeURIComponent(phone)}&from=2026-11-20T10:30:00Z&to=2026-11-20T11:30:00Z`,
      { token: alice.token },
    ),
    200,
  );
  expect(interval.items.map((c) => c.id)).toEqual([inbound.id]);
  // Bob sees none of them.
  const bobs = await json<{ items: CallBody[] }>(
    await call('GET', `/api/v1/calls?phone=${encodeURIComponent(phone)}`, { token: bob.token }),
    200,
  );
  expect(bobs.items).toEqual([]);

  const csv = await call('GET', `/api/v1/calls/export?phone=${encodeURIComponent(phone)}`, { token: alice.token });
  expect(csv.status).toBe(200);
  const lines = (await csv.text()).trim().split('\r\n');
  expect(lines[0]).toContain('recording_url,source,external_id,direction,from,to');
  expect(lines[1]).toContain(`,pbx-test,`);
  expect(lines[1]).toContain(`,outbound,200,${phone}`);
  expect(lines[3]).toMatch(/,,,,,$/); // our own call: no source
});

test('a recording is stored once, downloadable unless private; bad and foreign uploads are refused', async () => {
  const created = await json<CallBody>(await post(externalCall()), 201);
  const wav = toneWav(1);
  const first = await upload(created.id, wav);
  expect(first.status).toBe(201);
  expect(first.headers.get('location')).toBe(`/api/v1/calls/${created.id}/recording`);
  expect((await first.json()) as CallBody).toMatchObject({ hasRecording: true });
  expect((await upload(created.id, wav)).status).toBe(200);
  await expectProblem(await upload(created.id, toneWav(1, 880)), 409, 'conflict');

  const download = await call('GET', `/api/v1/calls/${created.id}/recording`, { token: alice.token });
  expect(download.status).toBe(200);
  expect(Buffer.from(await download.arrayBuffer()).equals(wav)).toBe(true);

  // Another tenant: 404 for the upload and the download, nothing stored.
  await expectProblem(await upload(created.id, wav, bob.token), 404, 'not-found');
  await expectProblem(
    await call('GET', `/api/v1/calls/${created.id}/recording`, { token: bob.token }),
    404,
    'not-found',
  );

  const fresh = await json<CallBody>(await post(externalCall()), 201);
  expect(await problemFields(await upload(fresh.id, Buffer.from('RIFF\0\0\0\0WAVEjunk, not a wav at all')))).toEqual([
    'body',
  ]);
  expect(await problemFields(await upload(fresh.id, Buffer.from('ID3 this is an mp3, honest')))).toEqual(['body']);
  expect(await problemFields(await upload(fresh.id, Buffer.alloc(0)))).toEqual(['body']);
  await expectProblem(await upload(fresh.id, wav, alice.token, 'application/json'), 415, 'unsupported-media-type');
  await expectProblem(await upload(fresh.id, toneWav(300)), 413, 'payload-too-large'); // 4.8 MB > the stack's 4 MiB
  await expectProblem(await upload('00000000-0000-4000-8000-000000000000', wav), 404, 'not-found');
  const { rows } = await db.query('SELECT recording_state FROM call_record WHERE id = $1', [fresh.id]);
  expect(rows[0].recording_state).toBe('none');

  // Our own calls are recorded by the worker, not uploaded.
  const [own] = await insertCalls(db, [{ ownerId: alice.id, phone: berlinNumber() }]);
  await expectProblem(await upload(own, wav), 409, 'not-external');

  const secret = await json<CallBody>(await post(externalCall({ private: true })), 201);
  expect((await upload(secret.id, wav)).status).toBe(201);
  await expectProblem(
    await call('GET', `/api/v1/calls/${secret.id}/recording`, { token: alice.token }),
    403,
    'forbidden',
  );
});

test("an upload counts against the owner's uploads in flight: one more is a 429", async () => {
  const carol = await userToken();
  const limit = await call('PUT', `/api/v1/users/${carol.id}/limits`, {
    token: await adminToken(),
    body: { maxUploadsInFlight: 1 },
  });
  expect(limit.status).toBe(200);
  const [a, b] = await Promise.all([post(externalCall(), carol.token), post(externalCall(), carol.token)]);
  const first = await json<CallBody>(a, 201);
  const second = await json<CallBody>(b, 201);
  const wav = toneWav(1);
  // The first upload sends its head and half its body, then stalls.
  const url = new URL(`${readStack().apiUrl}/api/v1/calls/${first.id}/recording`);
  const stalled = request(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${carol.token}`, 'content-type': 'audio/wav', 'content-length': wav.length },
  });
  stalled.on('error', () => undefined);
  const answered = new Promise<number>((resolve) => stalled.on('response', (res) => resolve(res.statusCode ?? 0)));
  stalled.write(wav.subarray(0, wav.length / 2));
  let refused: Response | undefined;
  for (let i = 0; i < 50 && refused?.status !== 429; i++) {
    await new Promise((r) => setTimeout(r, 100));
    refused = await upload(second.id, wav, carol.token);
  }
  const problem = await expectProblem(refused!, 429, 'too-many-requests');
  expect(problem.detail).toMatch(/maxUploadsInFlight 1/);
  expect(refused!.headers.get('retry-after')).toBeTruthy();
  // The stalled one finishes; its slot is free again.
  stalled.end(wav.subarray(wav.length / 2));
  expect(await answered).toBe(201);
  expect((await upload(second.id, wav, carol.token)).status).toBe(201);
});

test('the statistics count external calls apart, by disposition, and leave the own figures as they were', async () => {
  const owner = await userToken();
  const from = '2026-11-02T10:00:00.000Z';
  const to = '2026-11-02T11:00:00.000Z';
  const stats = async () =>
    json<{ attempts: number; outcomes: Record<string, number>; external: { calls: number; outcomes: object } }>(
      await call('GET', `/api/v1/stats?from=${from}&to=${to}`, { token: owner.token }),
      200,
    );
  const before = await stats();
  expect(before.external.calls).toBe(0);
  const sent = (startAt: string, disposition: string, answerAt: string | null = null) =>
    post(externalCall({ startAt, answerAt, endAt: '2026-11-02T12:00:00.000Z', disposition }), owner.token);
  for (const res of await Promise.all([
    sent('2026-11-02T10:00:00.000Z', 'answered', '2026-11-02T10:00:03.000Z'), // from is inclusive
    sent('2026-11-02T10:30:00.000Z', 'answered', '2026-11-02T10:30:09.000Z'),
    sent('2026-11-02T10:59:59.999Z', 'busy'),
    sent('2026-11-02T11:00:00.000Z', 'no_answer'), // to is exclusive
  ])) {
    expect(res.status).toBe(201);
  }
  const after = await stats();
  expect(after.external).toEqual({
    calls: 3,
    outcomes: { ...Object.fromEntries(Object.keys(before.outcomes).map((o) => [o, 0])), answered: 2, busy: 1 },
  });
  // The figures of Voicecast's own dialling are untouched.
  const { external: _was, ...ownBefore } = before;
  const { external: _now, ...ownAfter } = after;
  expect(ownAfter).toEqual(ownBefore);
  // Another owner's external call in the interval is not this owner's.
  const bobs = externalCall({
    startAt: '2026-11-02T10:20:00.000Z',
    answerAt: '2026-11-02T10:20:05.000Z',
    endAt: '2026-11-02T10:21:00.000Z',
  });
  expect((await post(bobs, bob.token)).status).toBe(201);
  expect((await stats()).external).toEqual(after.external);
});
