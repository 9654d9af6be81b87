/**
 * The journal over gRPC (voicecast.journal.v1, issue 24) against the stack's API process:
 * bearer tokens (a user's and a machine client's), AddCall idempotency, uploads in chunks,
 * searches as server streams finding external and own calls together, downloads, and each
 * error as its status code with field details; health and reflection.
 */
import { randomUUID } from 'node:crypto';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Pool } from 'pg';
import { adminToken, apiUrl, call } from '../support/api';
import { json, userToken } from '../support/campaigns';
import { berlinNumber, externalCall, toneWav } from '../support/external-calls';
import {
  collect,
  healthStatus,
  journalClient,
  reflectedServices,
  unary,
  uploadRecording,
  type JournalClient,
} from '../support/grpc-journal';
import { insertCalls } from '../support/journal';
import { readStack } from '../support/stack';

jest.setTimeout(60_000);

let db: Pool;
let client: JournalClient;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  client = journalClient();
  [alice, bob] = await Promise.all([userToken(), userToken()]);
});

afterAll(async () => {
  client?.close();
  await db?.end();
});

/** The REST body as the proto's message (answerAt null → empty). */
const message = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
  const body = externalCall(overrides);
  return { ...body, answerAt: body.answerAt ?? '' };
};

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}

test('AddCall stores once and answers resends; conflicts and bad input are status codes', async () => {
  const request = message();
  const first = await unary(client, 'AddCall', request, alice.token);
  expect(first.created).toBe(true);
  const stored = first.call as Record<string, unknown>;
  expect(stored).toMatchObject({ source: 'pbx-test', externalId: request.externalId, direction: 'inbound', to: '201' });
  const again = await unary(client, 'AddCall', request, alice.token);
  expect(again).toMatchObject({ created: false, call: { id: stored.id } });

  const conflict = await rejection(unary(client, 'AddCall', { ...request, disposition: 'busy' }, alice.token));
  expect(conflict.code).toBe(status.ALREADY_EXISTS);

  const bad = await rejection(unary(client, 'AddCall', message({ from: '+999', startAt: 'yesterday' }), alice.token));
  expect(bad.code).toBe(status.INVALID_ARGUMENT);
  expect(bad.details).toContain('from:');
  expect(bad.details).toContain('start_at:');
  const details = bad.metadata.get('grpc-status-details-bin')[0] as Buffer;
  expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.BadRequest');
  expect(details.toString('latin1')).toContain('start_at');

  const empty = await rejection(unary(client, 'AddCall', {}, alice.token));
  expect(empty.code).toBe(status.INVALID_ARGUMENT);
  for (const field of ['source', 'external_id', 'direction', 'from', 'to', 'start_at', 'end_at', 'disposition']) {
    expect(empty.details).toContain(`${field}:`);
  }

  const anonymous = await rejection(unary(client, 'AddCall', request, 'not-a-token'));
  expect(anonymous.code).toBe(status.UNAUTHENTICATED);
  const noToken = await rejection(
    new Promise((resolve, reject) =>
      client.AddCall(request, new Metadata(), (err, v) => (err ? reject(err) : resolve(v))),
    ),
  );
  expect(noToken.code).toBe(status.UNAUTHENTICATED);
});

test("a machine client's client_credentials token works as over REST", async () => {
  const admin = await adminToken();
  const created = await json<{ id: string; clientSecret: string }>(
    await call('POST', '/api/v1/clients', {
      token: admin,
      body: { name: `agent-${randomUUID().slice(0, 6)}`, role: 'user' },
    }),
    201,
  );
  const res = await fetch(`${apiUrl()}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${created.id}:${created.clientSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials&scope=api',
  });
  const { access_token: token } = await json<{ access_token: string }>(res, 200);
  const answer = await unary(client, 'AddCall', message(), token);
  expect(answer.created).toBe(true);
});

test('recordings upload in chunks, download in chunks, and refuse private calls, bad WAVs and strangers', async () => {
  const { call: stored } = (await unary(client, 'AddCall', message(), alice.token)) as { call: { id: string } };
  const wav = toneWav(2);
  expect(await uploadRecording(client, stored.id, wav, alice.token, 10_000)).toEqual({
    callId: stored.id,
    created: true,
  });
  expect(await uploadRecording(client, stored.id, wav, alice.token)).toEqual({ callId: stored.id, created: false });
  const other = await rejection(uploadRecording(client, stored.id, toneWav(2, 880), alice.token));
  expect(other.code).toBe(status.ALREADY_EXISTS);

  const chunks = await collect(client, 'DownloadRecording', { callId: stored.id }, alice.token);
  expect(Buffer.concat(chunks.map((c) => c.data as Buffer)).equals(wav)).toBe(true);

  // Another tenant's call: NOT_FOUND both ways.
  expect((await rejection(uploadRecording(client, stored.id, wav, bob.token))).code).toBe(status.NOT_FOUND);
  expect((await rejection(collect(client, 'DownloadRecording', { callId: stored.id }, bob.token))).code).toBe(
    status.NOT_FOUND,
  );
  expect((await rejection(collect(client, 'DownloadRecording', { callId: 'nope' }, alice.token))).code).toBe(
    status.NOT_FOUND,
  );

  const { call: fresh } = (await unary(client, 'AddCall', message(), alice.token)) as { call: { id: string } };
  const notWav = await rejection(uploadRecording(client, fresh.id, Buffer.from('this is not a wav file'), alice.token));
  expect(notWav.code).toBe(status.INVALID_ARGUMENT);
  expect(notWav.details).toContain('data:');
  const tooBig = await rejection(uploadRecording(client, fresh.id, toneWav(300), alice.token));
  expect(tooBig.code).toBe(status.RESOURCE_EXHAUSTED);
  const noId = await rejection(uploadRecording(client, '', wav, alice.token));
  expect(noId.code).toBe(status.INVALID_ARGUMENT);
  expect(noId.details).toContain('call_id:');
  const [own] = await insertCalls(db, [{ ownerId: alice.id, phone: berlinNumber() }]);
  expect((await rejection(uploadRecording(client, own, wav, alice.token))).code).toBe(status.FAILED_PRECONDITION);

  const { call: secret } = (await unary(client, 'AddCall', message({ tags: ['private'] }), alice.token)) as {
    call: { id: string; private: boolean };
  };
  expect(secret.private).toBe(true);
  expect((await uploadRecording(client, secret.id, wav, alice.token)).created).toBe(true);
  expect((await rejection(collect(client, 'DownloadRecording', { callId: secret.id }, alice.token))).code).toBe(
    status.PERMISSION_DENIED,
  );
});

test('searches stream external and own calls together, newest first, owner-scoped', async () => {
  const phone = berlinNumber();
  const [own] = await insertCalls(db, [{ ownerId: alice.id, phone, inviteAt: '2026-10-01T10:00:00.000000Z' }]);
  const added = [];
  for (let i = 0; i < 3; i++) {
    const at = `2026-10-01T1${1 + i}:00:00Z`;
    const answer = await unary(
      client,
      'AddCall',
      message({ from: phone, startAt: at, answerAt: '', endAt: at, disposition: 'no_answer' }),
      alice.token,
    );
    added.push((answer.call as { id: string }).id);
  }
  const byNumber = await collect(client, 'SearchByNumber', { phone: phone.replace('+49', '0049 ') }, alice.token);
  expect(byNumber.map((c) => c.id)).toEqual([...added].reverse().concat(own));
  expect(byNumber[3]).toMatchObject({ source: '', phone });
  const limited = await collect(client, 'SearchByNumber', { phone, limit: 2 }, alice.token);
  expect(limited).toHaveLength(2);
  const interval = await collect(
    client,
    'SearchByInterval',
    { from: '2026-10-01T10:00:00Z', to: '2026-10-01T12:00:00Z' },
    alice.token,
  );
  expect(interval.map((c) => c.id)).toEqual([added[0], own]);
  expect(await collect(client, 'SearchByNumber', { phone }, bob.token)).toEqual([]);

  const noPhone = await rejection(collect(client, 'SearchByNumber', {}, alice.token));
  expect(noPhone.code).toBe(status.INVALID_ARGUMENT);
  const badPhone = await rejection(collect(client, 'SearchByNumber', { phone: 'abc' }, alice.token));
  expect(badPhone.code).toBe(status.INVALID_ARGUMENT);
  const noInterval = await rejection(collect(client, 'SearchByInterval', { from: 'x' }, alice.token));
  expect(noInterval.code).toBe(status.INVALID_ARGUMENT);
  expect(noInterval.details).toContain('to:');
});

test('health says SERVING and reflection lists the journal', async () => {
  expect(await healthStatus('')).toBe('SERVING');
  expect(await healthStatus('voicecast.journal.v1.Journal')).toBe('SERVING');
  expect(await reflectedServices()).toEqual(['voicecast.journal.v1.Journal']);
});
