/**
 * Recordings are durable (review F8): spooled on the worker's disk before anything else,
 * journalled `pending`, uploaded from the outbox with back-off until object storage takes
 * them. Each test runs a recorded campaign on a worker of its own (own task queue, own spool
 * directory) whose MinIO endpoint is a switchable forwarder to the stack's real MinIO
 * (test/support/switchable-proxy.ts): switched off, that worker's storage is down while the
 * API and every other test still reach MinIO. sipp answers every call and plays along.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { receivedRequests } from '../../scripts/services/sipp';
import { call, expectProblem } from '../support/api';
import { minioClient } from '../support/audio';
import { closeTemporalClient, insertCampaign, startCampaign, waitFor } from '../support/campaign-runs';
import { userToken } from '../support/campaigns';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { gatewayParts } from '../support/gateway-campaigns';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';
import { switchableProxy, type SwitchableProxy } from '../support/switchable-proxy';

jest.setTimeout(150_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
const bucket = () => readStack().env.MINIO_BUCKET_RECORDINGS ?? 'voicecast-recordings';
let db: Pool;
let owner: { id: string; token: string };
const workers: ExtraWorker[] = [];
const cleanUps: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  owner = await userToken();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.app.stop()));
  for (const clean of cleanUps.splice(0).reverse()) await clean();
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

interface Row {
  id: string;
  phone_e164: string;
  outcome: string;
  end_reason: string;
  recording_key: string | null;
  recording_state: string;
  recording_error: string | null;
  tries: number | null;
  last_error: string | null;
}

const journal = async (campaignId: string): Promise<Row[]> =>
  (
    await db.query<Row>(
      `SELECT r.id, r.phone_e164, r.outcome, r.end_reason, r.recording_key, r.recording_state, r.recording_error,
         u.tries, u.last_error
       FROM call_record r LEFT JOIN recording_upload u ON u.call_id = r.id WHERE r.campaign_id = $1 ORDER BY r.phone_e164`,
      [campaignId],
    )
  ).rows;

/** Numbers sipp's route-by-number scenario answers (last digit 0). */
const answering = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `+4930${String(Date.now() % 1_000_000).padStart(6, '0')}${i}0`);

/** WAV files waiting in a spool directory. */
const spooled = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.wav'));

/**
 * A recorded campaign calling `phones` on a worker of its own whose object storage goes
 * through a switchable forwarder, and whose spool is a fresh directory; started.
 */
async function recordedCampaign(phones: string[], audioSeconds: number, workerEnv: NodeJS.ProcessEnv = {}) {
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 120_000 });
  const parts = await gatewayParts(owner.token, sipp, phones, audioSeconds);
  const campaign = await insertCampaign(db, {
    ownerId: owner.id,
    ...parts,
    maxConcurrentCalls: phones.length,
    maxAttempts: 2,
    record: true,
  });
  const proxy = await switchableProxy(new URL(readStack().minio.endpoint));
  const spoolDir = mkdtempSync(join(tmpdir(), 'voicecast-spool-'));
  cleanUps.push(
    () => proxy.close(),
    () => rmSync(spoolDir, { recursive: true, force: true }),
  );
  const taskQueue = `recordings-${campaign.id}`;
  const env = {
    MINIO_ENDPOINT: proxy.url,
    RECORDING_SPOOL_DIR: spoolDir,
    // Scaled down: the back-off doubles from 200 ms to at most 1 s.
    RECORDING_UPLOAD_RETRY_INITIAL_SECONDS: '0.2',
    RECORDING_UPLOAD_RETRY_MAX_INTERVAL_SECONDS: '1',
    ...workerEnv,
  };
  const startWorker = async () => {
    const worker = await startExtraWorker(taskQueue, env);
    workers.push(worker);
    return worker;
  };
  const worker = await startWorker();
  const handle = await startCampaign(campaign, taskQueue);
  return { sipp, campaign, proxy, spoolDir, worker, startWorker, handle };
}

/** Waits until every call of the campaign is live, then takes object storage away from its worker. */
async function storageDownDuringCalls(campaignId: string, calls: number, proxy: SwitchableProxy) {
  await waitFor(`${calls} calls live`, async () => {
    const rows = await journal(campaignId);
    return rows.filter((r) => r.end_reason === 'call in progress').length === calls;
  });
  await proxy.down();
}

async function download(callId: string): Promise<Response> {
  return call('GET', `/api/v1/calls/${callId}/recording`, { token: owner.token });
}

async function view(callId: string): Promise<Record<string, unknown>> {
  const res = await call('GET', `/api/v1/calls/${callId}`, { token: owner.token });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The recording downloads whole through the API and is the object MinIO holds under the row's key. */
async function expectDownloadable(row: Row): Promise<void> {
  const res = await download(row.id);
  expect([row.phone_e164, res.status]).toEqual([row.phone_e164, 200]);
  const wav = Buffer.from(await res.arrayBuffer());
  const stat = await minioClient().statObject(bucket(), row.recording_key ?? '');
  expect(wav.length).toBe(stat.size);
  expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(wav.length).toBeGreaterThan(44 + 8000); // more than half a second of what sipp played
}

test('object storage down when the calls end: recordings stay pending (409, Retry-After), then are stored; nothing dialled twice', async () => {
  const phones = answering(3);
  const { sipp, campaign, proxy, spoolDir, handle } = await recordedCampaign(phones, 2);
  await storageDownDuringCalls(campaign.id, phones.length, proxy);
  // The calls end and are journalled while storage is away; the campaign completes regardless.
  expect(await handle.result()).toMatchObject({ status: 'completed', callsStarted: phones.length });
  await expectSippExit(sipp, 0); // exactly one call per number, each played to the end
  expect(receivedRequests(sipp, 'INVITE')).toHaveLength(phones.length);

  // Retried with back-off while storage is down: a few tries each, still pending.
  await waitFor('each upload tried three times', async () =>
    (await journal(campaign.id)).every((r) => (r.tries ?? 0) >= 3),
  );
  const pending = await journal(campaign.id);
  expect(pending.map((r) => [r.outcome, r.recording_state])).toEqual(phones.map(() => ['answered', 'pending']));
  for (const row of pending) {
    expect(row.recording_key).toMatch(new RegExp(`^campaigns/${campaign.id}/.+\\.wav$`));
    expect(row.last_error).toBeTruthy();
  }
  expect(spooled(spoolDir)).toHaveLength(phones.length);
  expect(await view(pending[0].id)).toMatchObject({
    recordingState: 'pending',
    recordingError: null,
    hasRecording: false,
    recordingUrl: `/api/v1/calls/${pending[0].id}/recording`,
  });
  const refused = await download(pending[0].id);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const problem = await expectProblem(refused, 409, 'recording-pending');
  expect(problem.detail).toMatch(/retry later/);
  await expect(minioClient().statObject(bucket(), pending[0].recording_key ?? '')).rejects.toMatchObject({
    code: 'NotFound',
  });

  await proxy.up();
  await waitFor('every recording stored', async () =>
    (await journal(campaign.id)).every((r) => r.recording_state === 'stored'),
  );
  const stored = await journal(campaign.id);
  for (const row of stored) {
    expect([row.tries, row.recording_error]).toEqual([null, null]); // the outbox row is gone
    await expectDownloadable(row);
  }
  expect(spooled(spoolDir)).toEqual([]);
  expect(await view(stored[0].id)).toMatchObject({ recordingState: 'stored', hasRecording: true });
  const { rows: contacts } = await db.query<{ state: string; attempts: number }>(
    'SELECT state, attempts FROM campaign_contact WHERE campaign_id = $1',
    [campaign.id],
  );
  expect(contacts).toEqual(phones.map(() => ({ state: 'done', attempts: 1 })));
});

test('worker killed after the hang-up, before the upload: a worker restarted on its spool uploads it; a spool file gone is lost', async () => {
  const phones = answering(2);
  const { sipp, campaign, proxy, spoolDir, worker, startWorker, handle } = await recordedCampaign(phones, 1);
  await storageDownDuringCalls(campaign.id, phones.length, proxy);
  await waitFor('both calls journalled, their recordings pending and tried', async () => {
    const rows = await journal(campaign.id);
    return rows.length === 2 && rows.every((r) => r.recording_state === 'pending' && (r.tries ?? 0) >= 1);
  });
  worker.kill();
  await worker.app.process.exited;
  await expectSippExit(sipp, 0);
  expect(receivedRequests(sipp, 'INVITE')).toHaveLength(phones.length);

  // The dead worker's spool holds both; one file is lost with (part of) its disk.
  const files = spooled(spoolDir).sort();
  expect(files).toHaveLength(2);
  const [first, second] = await journal(campaign.id);
  const fileOf = (row: Row) => files.find((f) => f === (row.recording_key ?? '').replace(/[^A-Za-z0-9._-]/g, '_'));
  expect([fileOf(first), fileOf(second)].every(Boolean)).toBe(true);
  rmSync(join(spoolDir, fileOf(second) ?? ''));

  await proxy.up();
  await startWorker(); // same spool directory, so the same spool id
  await waitFor('the spooled recording stored and the missing one lost', async () => {
    const rows = await journal(campaign.id);
    return rows.every((r) => r.recording_state !== 'pending');
  });
  const [stored, lost] = await journal(campaign.id);
  expect(stored).toMatchObject({ recording_state: 'stored', recording_error: null, tries: null });
  await expectDownloadable(stored);
  expect(lost).toMatchObject({ recording_state: 'lost', recording_key: null, tries: null });
  expect(lost.recording_error).toMatch(/spooled recording .+ is gone from the worker's spool/);
  expect(await view(lost.id)).toMatchObject({
    recordingState: 'lost',
    recordingError: lost.recording_error,
    hasRecording: false,
    recordingUrl: null,
  });
  const gone = await expectProblem(await download(lost.id), 404, 'not-found');
  expect(gone.detail).toMatch(/is lost: the spooled recording/);
  expect(existsSync(join(spoolDir, fileOf(first) ?? ''))).toBe(false);

  expect(await handle.result()).toMatchObject({ status: 'completed', callsStarted: phones.length });
  const { rows: contacts } = await db.query<{ attempts: number }>(
    'SELECT attempts FROM campaign_contact WHERE campaign_id = $1',
    [campaign.id],
  );
  expect(contacts).toEqual(phones.map(() => ({ attempts: 1 })));
});

test('PostgreSQL away between an upload and its result: stored once the database is back, not after the 10-minute claim', async () => {
  // The worker reaches PostgreSQL through a forwarder of its own too.
  const pg = await switchableProxy(new URL(readStack().databaseUrl));
  cleanUps.push(() => pg.close());
  const databaseUrl = new URL(readStack().databaseUrl);
  databaseUrl.port = new URL(pg.url).port;
  const phones = answering(2);
  const { sipp, campaign, proxy, handle } = await recordedCampaign(phones, 1, { DATABASE_URL: databaseUrl.toString() });
  await waitFor(`${phones.length} calls live`, async () => {
    const rows = await journal(campaign.id);
    return rows.filter((r) => r.end_reason === 'call in progress').length === phones.length;
  });
  await proxy.stall(); // object storage takes the uploads' connections and says nothing
  await waitFor('both calls journalled and their uploads claimed (in flight)', async () => {
    const rows = await journal(campaign.id);
    return rows.length === 2 && rows.every((r) => r.recording_state === 'pending' && (r.tries ?? 0) >= 1);
  });
  const claimed = await journal(campaign.id);
  await pg.down();
  await proxy.up(); // the uploads go through while their results cannot be written
  await waitFor('both objects in MinIO', async () => {
    const stats = await Promise.all(
      claimed.map((r) =>
        minioClient()
          .statObject(bucket(), r.recording_key ?? '')
          .catch(() => undefined),
      ),
    );
    return stats.every(Boolean);
  });
  await new Promise((r) => setTimeout(r, 2000));
  expect((await journal(campaign.id)).map((r) => r.recording_state)).toEqual(['pending', 'pending']);
  await pg.up();
  // Back-off here is at most 1 s; the claim the lost results still hold would last 10 minutes.
  await waitFor(
    'every recording stored',
    async () => (await journal(campaign.id)).every((r) => r.recording_state === 'stored'),
    45_000,
  );
  for (const row of await journal(campaign.id)) await expectDownloadable(row);
  expect(await handle.result()).toMatchObject({ status: 'completed', callsStarted: phones.length });
  await expectSippExit(sipp, 0);
  expect(receivedRequests(sipp, 'INVITE')).toHaveLength(phones.length);
});
