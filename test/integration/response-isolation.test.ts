/**
 * No response carries a status or header another request set. tsoa keeps what a handler
 * sets with `setStatus`/`setHeader` on the controller instance; these tests make one user's
 * request set such headers (a ranged recording download, an audio download, a create with a
 * `Location`) and then, or meanwhile, send another user's request to the same controller.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { encodeWav } from '../../telephony/media/wav';
import { call } from '../support/api';
import { minioClient, uploadAudio } from '../support/audio';
import { campaignParts, createCampaign, json, userToken } from '../support/campaigns';
import { insertCalls } from '../support/journal';
import { freePort, readStack } from '../support/stack';
import { buildWav, encodeSamples, sine } from '../support/wav-builder';

jest.setTimeout(60_000);

let db: Pool;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 1 });
  [alice, bob] = await Promise.all([userToken(), userToken()]);
});

afterAll(async () => {
  await db?.end();
});

/** Headers only a download or a create may carry. */
const FOREIGN = ['content-disposition', 'content-range', 'location'] as const;

/** `res` is a JSON answer with `status` and none of {@link FOREIGN} (except `location`, if given). */
async function expectOwnJson(res: Response, status: number, location?: string): Promise<void> {
  const text = await res.text();
  const foreign = Object.fromEntries(FOREIGN.map((h) => [h, res.headers.get(h)]));
  expect({ status: res.status, contentType: res.headers.get('content-type'), ...foreign }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/json/) as unknown,
    'content-disposition': null,
    'content-range': null,
    location: location ?? null,
  });
  expect(() => JSON.parse(text) as unknown).not.toThrow();
}

const wav = () =>
  buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000 }, encodeSamples([sine(440, 8000, 1)], 1, 16));

test("a JSON GET after another user's ranged recording download is plain JSON", async () => {
  const recording = Buffer.from(encodeWav(new Int16Array(8000), 8000));
  const key = `test/${randomUUID()}.wav`;
  const bucket = readStack().env.MINIO_BUCKET_RECORDINGS ?? 'voicecast-recordings';
  await minioClient().putObject(bucket, key, recording, recording.length, { 'Content-Type': 'audio/wav' });
  const [id] = await insertCalls(db, [
    { ownerId: alice.id, phone: `+4930${randomInt(20_000_000, 99_999_999)}`, recordingKey: key },
  ]);

  const ranged = await call('GET', `/api/v1/calls/${id}/recording`, {
    token: alice.token,
    headers: { range: 'bytes=0-43' },
  });
  expect([ranged.status, ranged.headers.get('content-range')]).toEqual([206, `bytes 0-43/${recording.length}`]);
  await ranged.arrayBuffer();

  await expectOwnJson(await call('GET', '/api/v1/calls?limit=1', { token: bob.token }), 200);
  await expectOwnJson(await call('GET', `/api/v1/calls/${id}`, { token: alice.token }), 200);
});

test("an audio upload after another user's download carries only its own Location", async () => {
  const first = await json<{ id: string }>(await uploadAudio({ token: alice.token, bytes: wav(), name: 'a' }), 201);
  const download = await call('GET', `/api/v1/audio/${first.id}/download`, { token: alice.token });
  expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
  await download.arrayBuffer();

  const upload = await uploadAudio({ token: bob.token, bytes: wav(), name: 'b' });
  const text = await upload.text();
  const own = (JSON.parse(text) as { id: string }).id;
  expect({
    status: upload.status,
    contentType: upload.headers.get('content-type'),
    disposition: upload.headers.get('content-disposition'),
    location: upload.headers.get('location'),
  }).toEqual({
    status: 201,
    contentType: expect.stringMatching(/^application\/json/) as unknown,
    disposition: null,
    location: `/api/v1/audio/${own}`,
  });
  await expectOwnJson(await call('GET', '/api/v1/audio', { token: alice.token }), 200);
});

test("reads and deletes after another user's create carry no Location", async () => {
  const parts = await campaignParts(alice.token, 1);
  const mine = await createCampaign(alice.token, parts);
  await expectOwnJson(await call('GET', `/api/v1/campaigns/${mine.id}`, { token: alice.token }), 200);

  const bobs = await campaignParts(bob.token, 1); // its trunk create was the trunks controller's last
  const deleted = await call('DELETE', `/api/v1/trunks/${bobs.trunkId}`, { token: bob.token });
  expect([deleted.status, deleted.headers.get('location')]).toEqual([204, null]);
  await expectOwnJson(await call('GET', `/api/v1/trunks/${parts.trunkId}`, { token: alice.token }), 200);
});

test('two concurrent requests to one controller keep their own status and headers', async () => {
  // Alice's trunk test waits the configured 5 s for a port where nothing listens; while it
  // waits, Bob creates a trunk (201 with a Location) and deletes another (204).
  const silent = await json<{ id: string }>(
    await call('POST', '/api/v1/trunks', {
      token: alice.token,
      body: {
        name: `silent-${randomUUID().slice(0, 8)}`,
        host: '127.0.0.1',
        port: await freePort('127.0.0.1'),
        callerIdNumber: '+4930000000',
      },
    }),
    201,
  );
  const testing = call('POST', `/api/v1/trunks/${silent.id}/test`, { token: alice.token });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const created = await call('POST', '/api/v1/trunks', {
    token: bob.token,
    body: { name: `b-${randomUUID().slice(0, 8)}`, host: '127.0.0.1', port: 9, callerIdNumber: '+4930000000' },
  });
  const bobsTrunk = (JSON.parse(await created.text()) as { id: string }).id;
  expect([created.status, created.headers.get('location')]).toEqual([201, `/api/v1/trunks/${bobsTrunk}`]);
  const deleted = await call('DELETE', `/api/v1/trunks/${bobsTrunk}`, { token: bob.token });
  expect(deleted.status).toBe(204);

  const tested = await testing;
  await expectOwnJson(tested.clone(), 200);
  expect(await tested.json()).toMatchObject({ reachable: false, error: expect.any(String) as unknown });
});
