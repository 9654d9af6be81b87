/**
 * Webhooks of external calls (issue 24) end to end: calls sent over REST and gRPC to the
 * stack's API, their deliveries started by the API after its commit and POSTed by the stack's
 * worker to a local receiver. One signed `call.ingested` (and `recording.uploaded`) per call,
 * marked with its source; none for a resend, none for another tenant's or a campaign's
 * webhook; and a delivery the API could not start is started by the worker's sweep.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { WebhookDispatcher } from '../../activities/webhook-dispatch';
import { JournalIngestService } from '../../api/calls/journal-ingest.service';
import { parseExternalCall } from '../../api/calls/external-call-input';
import { parseConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { call } from '../support/api';
import { json, userToken } from '../support/campaigns';
import { externalCall, toneWav } from '../support/external-calls';
import { journalClient, unary, uploadRecording, type JournalClient } from '../support/grpc-journal';
import { insertBareCampaign } from '../support/journal';
import { readStack } from '../support/stack';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';
import { createWebhook, deliveries, signatureValid, waitFor } from '../support/webhooks';

jest.setTimeout(90_000);

interface Owner {
  id: string;
  token: string;
  /** The receiver path of the owner's owner-wide webhook, and its secret. */
  path: string;
  secret: string;
  webhookId: string;
}

let db: Pool;
let receiver: WebhookReceiver;
let grpc: JournalClient;
let alice: Owner;
let bob: Owner;
/** Alice's webhook for one of her campaigns: external calls have none, so it hears nothing. */
let campaignPath: string;

async function owner(): Promise<Owner> {
  const { id, token } = await userToken();
  const path = `/hooks/${randomUUID()}`;
  const hook = await createWebhook(token, { url: receiver.url(path, () => 204) });
  expect(hook.events).toContain('call.ingested');
  return { id, token, path, secret: hook.secret ?? '', webhookId: hook.id };
}

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
  receiver = await WebhookReceiver.start();
  grpc = journalClient();
  [alice, bob] = await Promise.all([owner(), owner()]);
  const campaignId = await insertBareCampaign(db, alice.id);
  campaignPath = `/hooks/${randomUUID()}`;
  await createWebhook(alice.token, { url: receiver.url(campaignPath, () => 204), campaignId });
});

afterAll(async () => {
  grpc?.close();
  await receiver?.close();
  await db?.end();
});

const post = (body: unknown, token = alice.token) => call('POST', '/api/v1/calls', { token, body });
const put = (id: string, wav: Buffer, token = alice.token) =>
  fetch(`${readStack().apiUrl}/api/v1/calls/${id}/recording`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' },
    body: new Uint8Array(wav),
  });

/** The POSTs of `event` about `callId` that reached `path`. */
const about = (path: string, event: string, callId: string): ReceivedWebhook[] =>
  receiver
    .on(path)
    .filter(
      (r) =>
        r.headers['voicecast-event'] === event &&
        (JSON.parse(r.body) as { data: { callId: string } }).data.callId === callId,
    );

/** Waits for the one POST of `event` about `callId`, checks its signature and envelope; returns its data. */
async function theDelivery(event: string, callId: string): Promise<Record<string, unknown>> {
  await waitFor(`${event} of ${callId}`, () => about(alice.path, event, callId).length > 0);
  const [got] = about(alice.path, event, callId);
  expect(signatureValid(alice.secret, got.headers['voicecast-signature'] as string, got.body)).toBe(true);
  const body = JSON.parse(got.body) as { id: string; event: string; data: Record<string, unknown> };
  expect(body.event).toBe(event);
  expect(got.headers['voicecast-delivery']).toBe(body.id);
  return body.data;
}

/** Outbox rows of the call, per event: what will ever be sent for it. */
async function outbox(callId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ event: string; n: string }>(
    `SELECT event, count(*) AS n FROM webhook_delivery WHERE subject = 'ext:' || $1 GROUP BY event`,
    [callId],
  );
  return Object.fromEntries(rows.map((r) => [r.event, Number(r.n)]));
}

/** After a later call's delivery arrived, nothing more about `callId` came (the stack's worker is quick). */
async function settle(): Promise<void> {
  const later = await json<{ id: string }>(await post(externalCall()), 201);
  await theDelivery('call.ingested', later.id);
  await new Promise((r) => setTimeout(r, 1000));
}

test('a REST call and its recording each deliver one signed event marked with the source; resends none', async () => {
  const body = externalCall({ source: 'pbx-hooks', tags: ['support', 'private'] });
  const created = await json<{ id: string }>(await post(body), 201);
  const data = await theDelivery('call.ingested', created.id);
  expect(data).toMatchObject({
    callId: created.id,
    source: 'pbx-hooks',
    externalId: body.externalId,
    direction: 'inbound',
    from: body.from,
    to: '201',
    phone: body.from,
    outcome: 'answered',
    startAt: '2026-12-05T12:00:00.000Z',
    answerAt: '2026-12-05T12:00:05.000Z',
    endAt: '2026-12-05T12:01:05.000Z',
    talkMs: 60_000,
    private: true,
    fields: { channel: 'PJSIP/trunk-00000042' },
    recording: false,
  });
  expect(await json<{ id: string }>(await post(body), 200)).toMatchObject({ id: created.id });

  const wav = toneWav(1);
  expect((await put(created.id, wav)).status).toBe(201);
  const recording = await theDelivery('recording.uploaded', created.id);
  expect(recording).toMatchObject({
    callId: created.id,
    campaignId: null,
    source: 'pbx-hooks',
    externalId: body.externalId,
    sizeBytes: wav.length,
    private: true,
    path: `/api/v1/calls/${created.id}/recording`,
  });
  expect((await put(created.id, wav)).status).toBe(200);

  await settle();
  expect(about(alice.path, 'call.ingested', created.id)).toHaveLength(1);
  expect(about(alice.path, 'recording.uploaded', created.id)).toHaveLength(1);
  expect(await outbox(created.id)).toEqual({ 'call.ingested': 1, 'recording.uploaded': 1 });
  // The delivery log says so too, with the source in the payload.
  const logged = (await deliveries(alice.token, alice.webhookId)).filter((d) => d.payload.data.callId === created.id);
  expect(logged.map((d) => [d.event, d.status]).sort()).toEqual([
    ['call.ingested', 'delivered'],
    ['recording.uploaded', 'delivered'],
  ]);
});

test('a gRPC call and its recording each deliver one signed event marked with the source; resends none', async () => {
  const message: Record<string, unknown> = externalCall({ source: 'pbx-grpc-hooks' });
  const first = await unary(grpc, 'AddCall', message, alice.token);
  const callId = String((first.call as { id: string }).id);
  expect(first.created).toBe(true);
  const data = await theDelivery('call.ingested', callId);
  expect(data).toMatchObject({ callId, source: 'pbx-grpc-hooks', externalId: message.externalId });
  expect((await unary(grpc, 'AddCall', message, alice.token)).created).toBe(false);

  const wav = toneWav(0.5);
  expect((await uploadRecording(grpc, callId, wav, alice.token)).created).toBe(true);
  expect(await theDelivery('recording.uploaded', callId)).toMatchObject({
    source: 'pbx-grpc-hooks',
    sizeBytes: wav.length,
  });
  expect((await uploadRecording(grpc, callId, wav, alice.token)).created).toBe(false);

  await settle();
  expect(about(alice.path, 'call.ingested', callId)).toHaveLength(1);
  expect(about(alice.path, 'recording.uploaded', callId)).toHaveLength(1);
  expect(await outbox(callId)).toEqual({ 'call.ingested': 1, 'recording.uploaded': 1 });
});

test("another tenant's webhook, a campaign's webhook and one without the event hear nothing", async () => {
  const recordingOnly = `/hooks/${randomUUID()}`;
  await createWebhook(alice.token, { url: receiver.url(recordingOnly, () => 204), events: ['recording.uploaded'] });
  const created = await json<{ id: string }>(await post(externalCall()), 201);
  await theDelivery('call.ingested', created.id);
  // Bob's own call reaches his webhook: his subscription works, it just is not told about Alice's.
  const his = await json<{ id: string }>(await post(externalCall(), bob.token), 201);
  await waitFor("Bob's call.ingested", () => about(bob.path, 'call.ingested', his.id).length === 1);
  await settle();
  expect(receiver.on(bob.path).filter((r) => r.body.includes(created.id))).toHaveLength(0);
  expect(receiver.on(campaignPath)).toHaveLength(0);
  expect(receiver.on(recordingOnly)).toHaveLength(0);
  expect(receiver.on(alice.path).filter((r) => r.body.includes(his.id))).toHaveLength(0);
});

test("a delivery the API could not start is started by the worker's sweep", async () => {
  const stack = readStack();
  const config = parseConfig(stack.env);
  const pool = new Pool({ connectionString: stack.databaseUrl, max: 2 });
  const temporal = new Client({
    connection: Connection.lazy({ address: stack.temporal.address }),
    namespace: stack.temporal.namespace,
  });
  try {
    // The API's service, its Temporal gone after the commit (the process died, or Temporal was down).
    const ingest = new JournalIngestService({
      pool,
      storage: undefined as never, // no recording in this test
      bucket: config.minio.buckets.recordings,
      logger: createLogger({ level: 'silent', name: 'test' }),
      webhooks: { dispatch: () => Promise.reject(new Error('Temporal unreachable')) },
    });
    const principal = {
      kind: 'user',
      subject: alice.id,
      userId: alice.id,
      username: 'alice',
      role: 'user',
      departmentId: null,
      managedDepartmentIds: [],
    } as const;
    const { call: stored, created } = await ingest.addCall(principal, parseExternalCall(externalCall()));
    expect(created).toBe(true);
    const { rows } = await db.query<{ id: string; dispatched_at: Date | null }>(
      `SELECT d.id, d.dispatched_at FROM webhook_delivery d WHERE d.subject = 'ext:' || $1`,
      [stored.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].dispatched_at).toBeNull();
    expect(about(alice.path, 'call.ingested', stored.id)).toHaveLength(0);

    // What the worker runs every minute (with its grace period; none here).
    const sweep = new WebhookDispatcher(pool, temporal, {
      taskQueue: config.webhooks.taskQueue,
      policy: config.webhooks.policy,
    });
    expect(await sweep.dispatchUnscoped(0)).toBeGreaterThanOrEqual(1);
    expect(await theDelivery('call.ingested', stored.id)).toMatchObject({ callId: stored.id, source: 'pbx-test' });
    await settle();
    expect(about(alice.path, 'call.ingested', stored.id)).toHaveLength(1);
  } finally {
    await temporal.connection.close();
    await pool.end();
  }
});
