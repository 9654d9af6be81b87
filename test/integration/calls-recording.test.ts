/**
 * Call recordings through the API: streamed from MinIO with HTTP Range, 403 while private.
 * Two tests read a journal written by a real campaign (the stack's worker dialling a sipp
 * gateway that routes by the number's last digit, test/sipp/uas-route-by-number.xml: 1 is
 * busy, anything but 1 and 2 answers and plays a recording's worth of audio); the second
 * changes the call's flag and tags while it is in progress.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { encodeWav } from '../../telephony/media/wav';
import { call, expectProblem } from '../support/api';
import { minioClient, uploadAudio } from '../support/audio';
import { closeTemporalClient, insertCampaign, startCampaign, waitFor } from '../support/campaign-runs';
import { json, userToken } from '../support/campaigns';
import { uploadContacts } from '../support/contact-lists';
import { insertCalls } from '../support/journal';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
const bucket = () => readStack().env.MINIO_BUCKET_RECORDINGS ?? 'voicecast-recordings';
let db: Pool;
let owner: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  owner = await userToken();
});

afterAll(async () => {
  await closeTemporalClient();
  await db?.end();
});

interface CallBody {
  id: string;
  phone: string;
  outcome: string;
  sipCode: number | null;
  codec: string | null;
  talkMs: number | null;
  private: boolean;
  hasRecording: boolean;
  recordingUrl: string | null;
  [key: string]: unknown;
}

const download = (id: string, range?: string, token = owner.token) =>
  call('GET', `/api/v1/calls/${id}/recording`, { token, headers: range ? { range } : {} });

async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

/** A journal row whose recording is `wav`, stored in the recordings bucket. */
async function storedRecording(wav: Buffer, recordingPrivate = false): Promise<string> {
  const key = `test/${randomUUID()}.wav`;
  await minioClient().putObject(bucket(), key, wav, wav.length, { 'Content-Type': 'audio/wav' });
  const phone = `+4930${randomInt(20_000_000, 99_999_999)}`;
  const [id] = await insertCalls(db, [{ ownerId: owner.id, phone, recordingKey: key, recordingPrivate }]);
  return id;
}

test('the recording streams whole or by one byte range; a range past the end is 416', async () => {
  const pcm = Int16Array.from({ length: 8000 }, (_, i) => Math.round(3000 * Math.sin(i / 3)));
  const wav = Buffer.from(encodeWav(pcm, 8000));
  const size = wav.length;
  const id = await storedRecording(wav);

  const whole = await download(id);
  expect(whole.status).toBe(200);
  expect(whole.headers.get('content-type')).toBe('audio/wav');
  expect(whole.headers.get('content-length')).toBe(String(size));
  expect(whole.headers.get('accept-ranges')).toBe('bytes');
  expect((await bytesOf(whole)).equals(wav)).toBe(true);

  const cases: [string, number, number][] = [
    ['bytes=0-43', 0, 43], // the WAV header
    ['bytes=-100', size - 100, size - 1], // suffix
    ['bytes=1000-', 1000, size - 1], // open-ended
    [`bytes=${size - 10}-${size + 500}`, size - 10, size - 1], // past the end: cut
  ];
  for (const [range, start, end] of cases) {
    const res = await download(id, range);
    expect([range, res.status, res.headers.get('content-range'), res.headers.get('content-length')]).toEqual([
      range,
      206,
      `bytes ${start}-${end}/${size}`,
      String(end - start + 1),
    ]);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect((await bytesOf(res)).equals(wav.subarray(start, end + 1))).toBe(true);
  }
  expect((await bytesOf(await download(id, 'bytes=0-43'))).subarray(0, 4).toString('latin1')).toBe('RIFF');

  for (const range of [`bytes=${size}-`, 'bytes=-0']) {
    const res = await download(id, range);
    expect(res.headers.get('content-range')).toBe(`bytes */${size}`);
    await expectProblem(res, 416, 'range-not-satisfiable');
  }
  // Several ranges, or ones we cannot read, are ignored: the whole file.
  for (const range of ['bytes=0-1,5-6', 'lines=1-2', 'bytes=10-5']) {
    const res = await download(id, range);
    expect([range, res.status, res.headers.get('content-length')]).toEqual([range, 200, String(size)]);
    await res.arrayBuffer();
  }
});

test('a private recording is 403 even for its owner, until the flag is cleared; no recording is 404', async () => {
  const wav = Buffer.from(encodeWav(new Int16Array(800), 8000));
  const id = await storedRecording(wav, true);
  await expectProblem(await download(id), 403, 'forbidden');
  await expectProblem(await download(id, 'bytes=0-10'), 403, 'forbidden');
  const cleared = await json<CallBody>(
    await call('PATCH', `/api/v1/calls/${id}`, { token: owner.token, body: { private: false } }),
    200,
  );
  expect(cleared.private).toBe(false);
  const res = await download(id);
  expect(res.status).toBe(200);
  expect((await bytesOf(res)).equals(wav)).toBe(true);

  const [none] = await insertCalls(db, [{ ownerId: owner.id, phone: '+49301234567', outcome: 'busy' }]);
  await expectProblem(await download(none), 404, 'not-found');
  // The row points at an object that is gone.
  const [lost] = await insertCalls(db, [{ ownerId: owner.id, phone: '+49301234567', recordingKey: 'test/gone.wav' }]);
  await expectProblem(await download(lost), 404, 'not-found');
});

async function created(res: Response, what: string): Promise<string> {
  if (res.status !== 201) throw new Error(`creating the ${what} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * A campaign with private recordings calling `phones` through a sipp gateway routing by the
 * last digit, playing a 440 Hz message of `seconds`; started.
 */
async function privateRecordingsCampaign(phones: string[], seconds: number) {
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 60_000 });
  const trunkId = await created(
    await call('POST', '/api/v1/trunks', {
      token: owner.token,
      body: { name: `journal-gw-${sipp.port}`, host: '127.0.0.1', port: sipp.port, callerIdNumber: '+4930000000' },
    }),
    'trunk',
  );
  const tone = Int16Array.from({ length: 8000 * seconds }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
  );
  const audioId = await created(
    await uploadAudio({ token: owner.token, bytes: Buffer.from(encodeWav(tone, 8000)), name: 'journal' }),
    'audio message',
  );
  const contactListId = await created(await uploadContacts(owner.token, `phone\n${phones.join('\n')}\n`), 'list');
  const campaign = await insertCampaign(db, {
    ownerId: owner.id,
    trunkId,
    audioId,
    contactListId,
    maxAttempts: 1,
    recordingsPrivate: true,
  });
  return { sipp, campaign, run: await startCampaign(campaign) };
}

const answeringPhone = () => `+4930${randomInt(2_000_000, 9_999_999)}0`;

test("a real campaign's calls are in the journal, and the answered call's recording downloads from MinIO", async () => {
  const phones = [answeringPhone(), `+4930${randomInt(2_000_000, 9_999_999)}1`];
  const { sipp, campaign, run } = await privateRecordingsCampaign(phones, 1);
  const result = await run.result();
  expect(result.status).toBe('completed');
  await expectSippExit(sipp, 0);

  const page = await json<{ items: CallBody[] }>(
    await call('GET', `/api/v1/calls?campaignId=${campaign.id}`, { token: owner.token }),
    200,
  );
  const byPhone = new Map(page.items.map((c) => [c.phone, c]));
  expect(page.items).toHaveLength(2);
  const answered = byPhone.get(phones[0])!;
  const busy = byPhone.get(phones[1])!;
  expect(answered).toMatchObject({
    outcome: 'answered',
    sipCode: 200,
    codec: 'PCMA',
    private: true,
    hasRecording: true,
  });
  expect(answered.talkMs).toBeGreaterThan(500);
  expect(busy).toMatchObject({ outcome: 'busy', sipCode: 486, hasRecording: false, recordingUrl: null });
  await expectProblem(await download(busy.id), 404, 'not-found');

  await expectProblem(await call('GET', answered.recordingUrl!, { token: owner.token }), 403, 'forbidden');
  await json(
    await call('PATCH', `/api/v1/calls/${answered.id}`, { token: owner.token, body: { private: false } }),
    200,
  );
  const res = await call('GET', answered.recordingUrl!, { token: owner.token });
  expect(res.status).toBe(200);
  const wav = await bytesOf(res);
  const { rows } = await db.query<{ recording_key: string }>('SELECT recording_key FROM call_record WHERE id = $1', [
    answered.id,
  ]);
  const stored = await minioClient().statObject(bucket(), rows[0].recording_key);
  expect([wav.length, res.headers.get('content-length')]).toEqual([stored.size, String(stored.size)]);
  expect([wav.subarray(0, 4).toString('latin1'), wav.subarray(8, 12).toString('latin1')]).toEqual(['RIFF', 'WAVE']);
  expect(wav.length).toBeGreaterThan(44 + 8000); // more than half a second of what sipp played
  const tail = await download(answered.id, 'bytes=-1000');
  expect((await bytesOf(tail)).equals(wav.subarray(wav.length - 1000))).toBe(true);
});

test('the private flag and tags changed while the call is in progress are what the row keeps when it ends', async () => {
  const { sipp, campaign, run } = await privateRecordingsCampaign([answeringPhone()], 5);
  const list = `/api/v1/calls?campaignId=${campaign.id}`;
  // The row appears at the answer, private as the campaign says, while the message still plays.
  let live: CallBody | undefined;
  await waitFor('the answered call in the journal', async () => {
    live = (await json<{ items: CallBody[] }>(await call('GET', list, { token: owner.token }), 200)).items[0];
    return live !== undefined;
  });
  expect(live).toMatchObject({ outcome: 'answered', endReason: 'call in progress', private: true });
  const changed = await json<CallBody>(
    await call('PATCH', `/api/v1/calls/${live!.id}`, { token: owner.token, body: { private: false, tags: ['vip'] } }),
    200,
  );
  expect(changed).toMatchObject({ endReason: 'call in progress', private: false, tags: ['vip'] });

  expect((await run.result()).status).toBe('completed');
  await expectSippExit(sipp, 0);
  const ended = await json<CallBody>(await call('GET', `/api/v1/calls/${live!.id}`, { token: owner.token }), 200);
  expect(ended).toMatchObject({ outcome: 'answered', private: false, tags: ['vip'], hasRecording: true });
  expect(ended.endReason).not.toBe('call in progress');
  expect(ended.talkMs).toBeGreaterThan(4000);
});
