/**
 * Webhook deliveries end to end: real campaigns on a worker process of this file's own
 * (short webhook retry intervals, two delivery slots) dial sipp (test/sipp/
 * uas-route-by-number.xml: last digit 1 busy, anything else answers), and a local HTTP
 * receiver on 127.0.0.1 gets the signed POSTs.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { Pool } from 'pg';
import type { SippInstance } from '../../scripts/services/sipp';
import { createCampaignActivities } from '../../activities/campaign.activities';
import type { ClaimedAttempt, ClaimRequest, ClaimResult } from '../../campaign/campaign-types';
import { call } from '../support/api';
import { minioClient, uploadAudio } from '../support/audio';
import { closeTemporalClient, insertCampaign, startCampaign, type CampaignSpec } from '../support/campaign-runs';
import { json, userToken } from '../support/campaigns';
import { uploadContacts } from '../support/contact-lists';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';
import { activityDeps } from '../support/temporal';
import { buildWav, encodeSamples, sine } from '../support/wav-builder';
import { WebhookReceiver } from '../support/webhook-receiver';
import {
  createWebhook,
  deliveries,
  firstDelivery,
  signatureValid,
  waitFor,
  type DeliveryBody,
} from '../support/webhooks';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
const taskQueue = `webhooks-e2e-${randomUUID()}`;
let db: Pool;
let receiver: WebhookReceiver;
let worker: ExtraWorker;

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
  receiver = await WebhookReceiver.start();
  worker = await startExtraWorker(taskQueue, {
    LOG_LEVEL: 'debug', // every webhook try is logged: the secrets must still not be
    WEBHOOK_RETRY_INITIAL_SECONDS: '0.5',
    WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: '2',
    WEBHOOK_TIMEOUT_SECONDS: '2',
    WEBHOOK_MAX_CONCURRENT_DELIVERIES: '2',
    // The receiver's address only: the API (the whole of 127.0.0.0/8 allowed) takes a URL
    // on 127.0.0.2, this worker refuses to POST there.
    WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
  });
});

afterAll(async () => {
  await worker?.app.stop();
  await receiver?.close();
  await closeTemporalClient();
  await db?.end();
});

/** Berlin numbers whose last digit tells sipp what to do. */
const numbers = (digits: readonly string[]): string[] =>
  digits.map((d, i) => `+49301235${String(i).padStart(2, '0')}${d}`);

async function created(res: Response): Promise<string> {
  return (await json<{ id: string }>(res, 201)).id;
}

/** An owner with a trunk to a fresh sipp gateway, a 1-second message and a list of `phones`: the campaign row is written, not started. */
async function setUp(phones: readonly string[], calls: number, spec: Partial<CampaignSpec> = {}) {
  const owner = await userToken();
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls, timeoutMs: 90_000 });
  const { token } = owner;
  const wav = buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000 }, encodeSamples([sine(440, 8000, 1)], 1, 16));
  const [trunkId, audioId, contactListId] = await Promise.all([
    created(
      await call('POST', '/api/v1/trunks', {
        token,
        body: {
          name: `gw-${sipp.port}`,
          host: '127.0.0.1',
          port: sipp.port,
          callerIdNumber: '+4930000000',
          maxConcurrentCalls: 10,
          maxCallsPerSecond: 20,
        },
      }),
    ),
    created(await uploadAudio({ token, bytes: wav, name: 'hello' })),
    // A column besides the number: the contact's variable, which call.completed carries.
    created(await uploadContacts(token, `phone,Kunde\n${phones.map((p, i) => `${p},"Zoë, =${i}"`).join('\n')}\n`)),
  ]);
  const campaign = await insertCampaign(db, { ownerId: owner.id, trunkId, audioId, contactListId, ...spec });
  return { owner, sipp, campaign };
}

async function run(campaign: Awaited<ReturnType<typeof insertCampaign>>, sipp: SippInstance) {
  const result = await (await startCampaign(campaign, taskQueue)).result();
  expect(result.status).toBe('completed');
  await expectSippExit(sipp, 0);
}

interface CallRow {
  id: string;
  attempt_id: string;
  phone_e164: string;
  outcome: string;
  sip_code: number | null;
  recording_key: string | null;
}

const journal = async (campaignId: string): Promise<CallRow[]> =>
  (await db.query<CallRow>('SELECT * FROM call_record WHERE campaign_id = $1 ORDER BY attempt_id', [campaignId])).rows;

const parse = (body: string) => JSON.parse(body) as DeliveryBody['payload'];

test('a campaign POSTs one signed call.completed per attempt and recording.uploaded per recorded answer', async () => {
  // Two answer, two are busy twice: six attempts, two recordings.
  const phones = numbers(['0', '1', '0', '1']);
  const { owner, sipp, campaign } = await setUp(phones, 6, { maxAttempts: 2 });
  const { token } = owner;
  const all = await createWebhook(token, { url: receiver.url('/all', () => 200), campaignId: campaign.id });
  const recordings = await createWebhook(token, {
    url: receiver.url('/recordings', () => 204),
    events: ['recording.uploaded'],
  });
  const inactive = await createWebhook(token, { url: receiver.url('/inactive', () => 200), active: false });
  await run(campaign, sipp);

  await waitFor('8 + 2 deliveries', () => receiver.on('/all').length >= 8 && receiver.on('/recordings').length >= 2);
  const rows = await journal(campaign.id);
  expect(rows).toHaveLength(6);
  const answered = rows.filter((r) => r.outcome === 'answered');
  expect(answered).toHaveLength(2);

  const got = receiver.on('/all');
  expect(got).toHaveLength(8);
  for (const request of [...got, ...receiver.on('/recordings')]) {
    const secret = (request.path === '/all' ? all.secret : recordings.secret) ?? '';
    const body = parse(request.body);
    expect(signatureValid(secret, request.headers['voicecast-signature'] as string, request.body)).toBe(true);
    const tampered = request.body.replace(/"phone":"\+49/, '"phone":"+48');
    expect(tampered).not.toBe(request.body);
    expect(signatureValid(secret, request.headers['voicecast-signature'] as string, tampered)).toBe(false);
    expect(request.headers['voicecast-event']).toBe(body.event);
    expect(request.headers['voicecast-delivery']).toBe(body.id);
    expect(request.headers['content-type']).toBe('application/json');
  }
  expect(new Set(receiver.received.map((r) => r.headers['voicecast-delivery'])).size).toBe(receiver.received.length);

  const completed = got.map((r) => parse(r.body)).filter((b) => b.event === 'call.completed');
  expect(completed.map((b) => b.data.attemptId).sort()).toEqual(rows.map((r) => r.attempt_id));
  for (const row of rows) {
    expect(completed.find((b) => b.data.attemptId === row.attempt_id)?.data).toMatchObject({
      callId: row.id,
      campaignId: campaign.id,
      phone: row.phone_e164,
      outcome: row.outcome,
      sipCode: row.sip_code,
      // Journalled with the recording still in the spool: recording.uploaded says when it is stored.
      recording: false,
      recordingState: row.outcome === 'answered' ? 'pending' : 'none',
      variables: { Kunde: `Zoë, =${phones.indexOf(row.phone_e164)}` },
      variablesTruncated: false,
    });
  }
  const bucket = readStack().env.MINIO_BUCKET_RECORDINGS ?? 'voicecast-recordings';
  for (const path of ['/all', '/recordings']) {
    const uploads = receiver
      .on(path)
      .map((r) => parse(r.body))
      .filter((b) => b.event === 'recording.uploaded');
    expect(uploads.map((b) => b.data.callId).sort()).toEqual(answered.map((r) => r.id).sort());
    for (const { data } of uploads) {
      const row = answered.find((r) => r.id === data.callId);
      const stat = await minioClient().statObject(bucket, row?.recording_key ?? '');
      expect(data).toMatchObject({
        contentType: 'audio/wav',
        sizeBytes: stat.size,
        path: `/api/v1/calls/${row?.id}/recording`,
      });
    }
  }

  const log = await deliveries(token, all.id);
  expect(log).toHaveLength(8);
  for (const d of log) {
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    expect(d.tries.map((t) => t.statusCode)).toEqual([200]);
    expect(d.payload).toEqual(parse(got.find((r) => r.headers['voicecast-delivery'] === d.id)?.body ?? '{}'));
  }
  expect((await deliveries(token, recordings.id)).map((d) => [d.event, d.status])).toEqual([
    ['recording.uploaded', 'delivered'],
    ['recording.uploaded', 'delivered'],
  ]);
  expect(receiver.on('/inactive')).toEqual([]);
  expect(await deliveries(token, inactive.id)).toEqual([]);
  // Secrets never reach a log (the API's nor the delivering worker's).
  const logs = readFileSync(join(readStack().logsDir, 'api.log'), 'utf8') + readFileSync(worker.logFile, 'utf8');
  for (const secret of [all.secret, recordings.secret]) expect(logs).not.toContain(secret);
});

test('a failing receiver is retried with back-off until it answers; a 4xx ends the delivery as failed', async () => {
  const { owner, sipp, campaign } = await setUp(numbers(['0']), 1);
  const { token } = owner;
  const flaky = await createWebhook(token, {
    url: receiver.url('/flaky', (tryNo) => (tryNo <= 2 ? 500 : 200)),
    campaignId: campaign.id,
    events: ['call.completed'],
  });
  const gone = await createWebhook(token, {
    url: receiver.url('/gone', () => 410),
    campaignId: campaign.id,
    events: ['call.completed'],
  });
  await run(campaign, sipp);

  const delivery = await firstDelivery(token, flaky.id, 'delivered', 'the flaky receiver to take it');
  expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
  expect(delivery.tries.map((t) => t.statusCode)).toEqual([500, 500, 200]);
  const at = delivery.tries.map((t) => Date.parse(t.at));
  // Temporal's back-off: 0.5 s, then twice that (lower bounds; the machine may be slower).
  expect(at[1] - at[0]).toBeGreaterThanOrEqual(450);
  expect(at[2] - at[1]).toBeGreaterThanOrEqual(900);
  const posts = receiver.on('/flaky');
  expect(posts).toHaveLength(3);
  expect(new Set(posts.map((p) => p.body)).size).toBe(1); // the same bytes every time
  expect(new Set(posts.map((p) => p.headers['voicecast-delivery']))).toEqual(new Set([delivery.id]));
  for (const p of posts)
    expect(signatureValid(flaky.secret ?? '', p.headers['voicecast-signature'] as string, p.body)).toBe(true);

  await firstDelivery(token, gone.id, 'failed', 'the 410 to settle it');
  await new Promise((r) => setTimeout(r, 2000)); // longer than any retry interval here
  const [refused] = await deliveries(token, gone.id);
  expect(refused).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
  expect(receiver.on('/gone')).toHaveLength(1);
});

test("a receiver's Retry-After is honoured when longer than the back-off, up to the longest retry interval", async () => {
  const { owner, sipp, campaign } = await setUp(numbers(['0']), 1);
  const { token } = owner;
  const later = (seconds: string) => ({ status: 503, headers: { 'retry-after': seconds } });
  const slowDown = await createWebhook(token, {
    url: receiver.url('/slow-down', (tryNo) => (tryNo === 1 ? later('2') : 200)),
    campaignId: campaign.id,
    events: ['call.completed'],
  });
  const tomorrow = await createWebhook(token, {
    url: receiver.url('/tomorrow', (tryNo) => (tryNo === 1 ? later('86400') : 200)),
    campaignId: campaign.id,
    events: ['call.completed'],
  });
  await run(campaign, sipp);

  const gap = async (id: string) => {
    const delivery = await firstDelivery(token, id, 'delivered', 'the receiver to take it');
    expect(delivery.tries.map((t) => t.statusCode)).toEqual([503, 200]);
    const [first, second] = delivery.tries.map((t) => Date.parse(t.at));
    return second - first;
  };
  // The back-off would wait 0.5 s; the receiver asked for 2 s, which is also the longest
  // interval this worker allows (WEBHOOK_RETRY_MAX_INTERVAL_SECONDS), so a day became 2 s.
  expect(await gap(slowDown.id)).toBeGreaterThanOrEqual(1900);
  const capped = await gap(tomorrow.id);
  expect(capped).toBeGreaterThanOrEqual(1900);
  expect(capped).toBeLessThan(30_000);
});

test('a destination outside WEBHOOK_ALLOWED_NETWORKS fails at once, nothing sent, the reason in the log', async () => {
  const { owner, sipp, campaign } = await setUp(numbers(['0']), 1);
  const { token } = owner;
  const elsewhere = await createWebhook(token, {
    url: receiver.url('/elsewhere', () => 200).replace('127.0.0.1', '127.0.0.2'),
    campaignId: campaign.id,
    events: ['call.completed'],
  });
  await run(campaign, sipp);
  const delivery = await firstDelivery(token, elsewhere.id, 'failed', 'the refusal to settle it');
  expect(delivery).toMatchObject({
    status: 'failed',
    attempts: 1,
    lastStatusCode: null,
    lastError: '127.0.0.2 is a private or local address not in WEBHOOK_ALLOWED_NETWORKS',
  });
  expect(receiver.on('/elsewhere')).toEqual([]);
});

test('a receiver that never answers does not hold up dialing: the campaign completes with its deliveries pending; deactivating ends them', async () => {
  const { owner, sipp, campaign } = await setUp(numbers(['0', '0', '0', '0', '0', '0']), 6, { maxConcurrentCalls: 3 });
  const { token } = owner;
  const hook = await createWebhook(token, { url: receiver.url('/hang', () => 'hang'), campaignId: campaign.id });
  await run(campaign, sipp);
  const atCompletion = await deliveries(token, hook.id);
  // 6 calls, 6 recordings: 12 deliveries, none settled, and the receiver is holding requests open.
  expect(atCompletion).toHaveLength(12);
  expect(atCompletion.every((d) => d.status === 'pending')).toBe(true);
  expect(receiver.on('/hang').length).toBeGreaterThanOrEqual(1);

  // Deactivated: the hung tries end (timeout, or dropped), and no delivery is tried again.
  expect((await call('PATCH', `/api/v1/webhooks/${hook.id}`, { token, body: { active: false } })).status).toBe(200);
  receiver.dropConnections();
  await waitFor(
    'every delivery to end',
    async () => (await deliveries(token, hook.id)).every((d) => d.status === 'failed'),
    60_000,
  );
  const log = await deliveries(token, hook.id);
  expect(log.every((d) => d.lastError === 'webhook deactivated' && d.finishedAt !== null)).toBe(true);
  expect(log.some((d) => d.tries.some((t) => t.statusCode === null && t.error !== null))).toBe(true);
  expect(log.every((d) => d.tries.every((t) => t.statusCode === null))).toBe(true);
});

test('a worker that dies between the journal write and the start loses nothing: the retried activity starts the delivery', async () => {
  const { owner, sipp, campaign } = await setUp(numbers(['0']), 1);
  const hook = await createWebhook(owner.token, {
    url: receiver.url('/recover', () => 200),
    campaignId: campaign.id,
    events: ['call.completed'],
  });
  const { deps, close } = activityDeps();
  try {
    const activities = createCampaignActivities(deps);
    // The first run journals the call, then "dies" before its deliveries are started.
    const dying = createCampaignActivities({
      ...deps,
      webhooks: { dispatchCampaign: () => Promise.reject(new Error('worker died')) },
    });
    const claim: ClaimResult = await new MockActivityEnvironment().run(
      (input: ClaimRequest) => activities.claimDueAttempts(input),
      { campaignId: campaign.id, limit: 5, claimKey: randomUUID(), adopt: false },
    );
    const attempt = claim.attempts[0];
    // The dying run's failure is expected: keep the SDK's warning about it out of the output.
    const place = (set: typeof activities) =>
      new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(
        (input: { campaignId: string; attempt: ClaimedAttempt }) => set.placeCall(input),
        { campaignId: campaign.id, attempt },
      );
    await expect(place(dying)).rejects.toThrow('worker died');
    await expectSippExit(sipp, 0);
    const { rows } = await db.query<{ dispatched_at: Date | null }>(
      'SELECT dispatched_at FROM webhook_delivery WHERE webhook_id = $1',
      [hook.id],
    );
    expect(rows).toEqual([{ dispatched_at: null }]); // in the outbox, committed with the journal row
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.on('/recover')).toHaveLength(0);

    expect(await place(activities)).toEqual({ attemptId: attempt.attemptId, outcome: 'answered', retryAt: null });
    await waitFor('the delivery', () => receiver.on('/recover').length >= 1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.on('/recover')).toHaveLength(1);
    expect((await deliveries(owner.token, hook.id)).map((d) => [d.attemptId, d.status, d.attempts])).toEqual([
      [attempt.attemptId, 'delivered', 1],
    ]);
  } finally {
    await close();
  }
});
