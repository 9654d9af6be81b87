/**
 * MP3 downloads over real HTTP and MinIO: recordings and audio messages as `audio/mpeg` by
 * `?format=mp3` or `Accept`, decoded back with the project's MP3 decoder (length within
 * LAME's start delay and last-frame padding, the source's tones and nothing else), byte
 * ranges of the MP3, 406/422, another tenant's 404, the MP3 kept beside its WAV and deleted
 * with it, and an API with one encoder thread and a queue of one answering 503 to the rest.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { MP3_ENCODER_DELAY_SAMPLES, MP3_FRAME_SAMPLES } from '../../audio/mp3-encode';
import { mp3KeyOf } from '../../api/downloads/mp3-cache';
import { encodeWav } from '../../telephony/media/wav';
import { call, createUser, expectProblem, login } from '../support/api';
import { minioClient, objectKeys, uploadAudio } from '../support/audio';
import { userToken } from '../support/campaigns';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { insertCalls } from '../support/journal';
import { bandSnr } from '../support/spectrum';
import { readStack } from '../support/stack';
import { sine } from '../support/wav-builder';

jest.setTimeout(120_000);

const RATE = 8000;
const recordings = () => readStack().env.MINIO_BUCKET_RECORDINGS ?? 'voicecast-recordings';
const audioBucket = () => readStack().env.MINIO_BUCKET_AUDIO ?? 'voicecast-audio';
let db: Pool;
let owner: { id: string; token: string };

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  owner = await userToken();
});
afterAll(async () => {
  await db?.end();
});

// The decoder is an ES module: loaded with import() (jest runs with --experimental-vm-modules).
async function decodeMp3(mp3: Uint8Array): Promise<{ sampleRate: number; samples: Float32Array }> {
  const decoded = await (await import('@audio/decode-mp3')).default(mp3);
  return { sampleRate: decoded.sampleRate, samples: decoded.channelData[0] ?? new Float32Array(0) };
}

/** 440 Hz + 1 kHz, as 16-bit PCM at 8 kHz. */
function twoTones(seconds: number): Float32Array {
  const a = sine(440, RATE, seconds, 0.3);
  const b = sine(1000, RATE, seconds, 0.2);
  return a.map((v, i) => v + b[i]);
}
const wavOf = (signal: Float32Array) =>
  encodeWav(
    Int16Array.from(signal, (v) => Math.round(v * 32767)),
    RATE,
  );

/** A journal row of `ownerId` whose recording is `wav`, stored in the recordings bucket of `endpoint`'s MinIO. */
async function storedRecording(
  wav: Buffer,
  ownerId = owner.id,
  endpoint?: string,
): Promise<{ id: string; key: string }> {
  const key = `test/${randomUUID()}.wav`;
  await minioClient(endpoint).putObject(recordings(), key, wav, wav.length, { 'Content-Type': 'audio/wav' });
  const phone = `+4930${randomInt(20_000_000, 99_999_999)}`;
  const [id] = await insertCalls(db, [{ ownerId, phone, recordingKey: key }]);
  return { id, key };
}

const recording = (id: string, query = '', headers: Record<string, string> = {}, token = owner.token) =>
  call('GET', `/api/v1/calls/${id}/recording${query}`, { token, headers });
const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

/** The decoded MP3 has the source's length (plus LAME's delay and padding) and its tones. */
async function expectSameAudio(mp3: Buffer, signal: Float32Array): Promise<void> {
  const { sampleRate, samples } = await decodeMp3(mp3);
  expect(sampleRate).toBe(RATE);
  const extra = samples.length - signal.length - MP3_ENCODER_DELAY_SAMPLES;
  expect(extra).toBeGreaterThanOrEqual(0);
  expect(extra).toBeLessThan(MP3_FRAME_SAMPLES);
  const aligned = samples.subarray(MP3_ENCODER_DELAY_SAMPLES, MP3_ENCODER_DELAY_SAMPLES + signal.length);
  expect(bandSnr(signal, aligned, RATE, 300, 3400).snrDb).toBeGreaterThan(15);
  expect(bandSnr(sine(2000, RATE, signal.length / RATE), aligned, RATE, 1900, 2100).snrDb).toBeLessThan(1);
}

describe('a recording as MP3', () => {
  const signal = twoTones(3);
  let rec: { id: string; key: string };
  let mp3: Buffer;
  beforeAll(async () => {
    rec = await storedRecording(wavOf(signal));
  });

  it('?format=mp3: audio/mpeg with a download name, validators, the tones of the WAV', async () => {
    const res = await recording(rec.id, '?format=mp3');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="call-${rec.id}.mp3"; filename*=UTF-8''call-${rec.id}.mp3`,
    );
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(new Date(res.headers.get('last-modified') ?? '').getTime()).toBeGreaterThan(Date.now() - 60_000);
    mp3 = await bytesOf(res);
    expect(res.headers.get('content-length')).toBe(String(mp3.length));
    expect(mp3.length).toBeLessThan(((3 * 32_000) / 8) * 1.2);
    await expectSameAudio(mp3, signal);
  });

  it('is kept beside the WAV, tagged with its ETag; Accept: audio/mpeg gets the same bytes from there', async () => {
    const storage = minioClient();
    const wavStat = await storage.statObject(recordings(), rec.key);
    const stat = await storage.statObject(recordings(), mp3KeyOf(rec.key));
    expect(mp3KeyOf(rec.key)).toBe(rec.key.replace(/\.wav$/, '.mp3'));
    expect(stat.metaData['source-etag']).toBe(wavStat.etag);
    const res = await recording(rec.id, '', { accept: 'audio/mpeg' });
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toBe('Accept');
    expect((await bytesOf(res)).equals(mp3)).toBe(true);
    expect(res.headers.get('etag')).toBe(`"${stat.etag}"`);
    // Not encoded again: the stored MP3 is the one written by the first download.
    expect((await storage.statObject(recordings(), mp3KeyOf(rec.key))).lastModified).toEqual(stat.lastModified);
  });

  it('serves one byte range of the MP3 (206) and 416 past its end', async () => {
    const size = mp3.length;
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, size - 1],
      ['bytes=-50', size - 50, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await recording(rec.id, '?format=mp3', { range });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-type')).toBe('audio/mpeg');
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect((await bytesOf(res)).equals(mp3.subarray(start, end + 1))).toBe(true);
    }
    const past = await recording(rec.id, '?format=mp3', { range: `bytes=${size}-` });
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    await expectProblem(past, 416, 'range-not-satisfiable');
  });

  it('WAV stays the default; Accept that takes neither is 406, an unknown format 422', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { accept: '*/*' },
      { accept: 'audio/*' },
      { accept: 'audio/mpeg;q=0.5, audio/wav' },
    ]) {
      const res = await recording(rec.id, '', headers);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'audio/wav']);
      await res.arrayBuffer();
    }
    const refused = await recording(rec.id, '', { accept: 'application/json, text/html;q=0.5' });
    expect(refused.headers.get('vary')).toBe('Accept');
    const problem = await expectProblem(refused, 406, 'not-acceptable');
    expect(problem.detail).toMatch(/audio\/wav or audio\/mpeg/);
    // format wins over Accept.
    const forced = await recording(rec.id, '?format=mp3', { accept: 'application/json' });
    expect([forced.status, forced.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    await forced.arrayBuffer();
    for (const format of ['ogg', 'MP3', '', 'mp3%00']) {
      const bad = await expectProblem(await recording(rec.id, `?format=${format}`), 422, 'validation-error');
      expect(bad.errors).toEqual([expect.objectContaining({ field: 'format' })]);
    }
  });

  it('a WAV written anew under its key gets a fresh MP3, not the kept one', async () => {
    const again = await storedRecording(wavOf(twoTones(1)));
    const first = await bytesOf(await recording(again.id, '?format=mp3'));
    const longer = twoTones(2);
    const wav = wavOf(longer);
    await minioClient().putObject(recordings(), again.key, wav, wav.length, { 'Content-Type': 'audio/wav' });
    const res = await recording(again.id, '?format=mp3');
    expect(res.status).toBe(200);
    const second = await bytesOf(res);
    expect(second.equals(first)).toBe(false);
    await expectSameAudio(second, longer);
  });

  it("another tenant's recording is 404 in either form", async () => {
    const stranger = await userToken();
    for (const query of ['?format=mp3', '?format=wav', '']) {
      await expectProblem(await recording(rec.id, query, { accept: 'audio/mpeg' }, stranger.token), 404, 'not-found');
    }
  });

  it('a private recording stays 403 as MP3, and nothing is encoded for it', async () => {
    const secret = await storedRecording(wavOf(twoTones(1)));
    await db.query('UPDATE call_record SET recording_private = true WHERE id = $1', [secret.id]);
    await expectProblem(await recording(secret.id, '?format=mp3'), 403, 'forbidden');
    await expect(minioClient().statObject(recordings(), mp3KeyOf(secret.key))).rejects.toMatchObject({
      code: 'NotFound',
    });
  });
});

describe('an audio message as MP3', () => {
  it('the prepared form as MP3 by Accept, with its ranges; a format with the original is 422; delete removes the MP3', async () => {
    const signal = twoTones(2);
    const upload = await uploadAudio({ token: owner.token, bytes: wavOf(signal), name: 'Grüße "Menü"' });
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };
    const path = `/api/v1/audio/${id}/download`;
    const res = await call('GET', path, { token: owner.token, headers: { accept: 'audio/mpeg' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('vary')).toBe('Accept');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Gr__e _Men__ (8 kHz).mp3"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22Men%C3%BC%22%20%288%20kHz%29.mp3`,
    );
    const mp3 = await bytesOf(res);
    // The prepared form is loudness-normalised: bandSnr fits the gain, the tones must match.
    await expectSameAudio(mp3, signal);

    const part = await call('GET', `${path}?format=mp3`, { token: owner.token, headers: { range: 'bytes=10-19' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 10-19/${mp3.length}`]);
    expect((await bytesOf(part)).equals(mp3.subarray(10, 20))).toBe(true);
    const wavPart = await call('GET', path, { token: owner.token, headers: { range: 'bytes=0-3' } });
    expect([wavPart.status, (await bytesOf(wavPart)).toString('ascii')]).toEqual([206, 'RIFF']);

    const original = await call('GET', `${path}?variant=original&format=mp3`, { token: owner.token });
    expect((await expectProblem(original, 422, 'validation-error')).errors).toEqual([
      expect.objectContaining({ field: 'format' }),
    ]);
    const stranger = await userToken();
    await expectProblem(await call('GET', `${path}?format=mp3`, { token: stranger.token }), 404, 'not-found');

    const keys = await objectKeys(id);
    const storage = minioClient();
    await storage.statObject(audioBucket(), mp3KeyOf(keys!.prepared));
    expect((await call('DELETE', `/api/v1/audio/${id}`, { token: owner.token })).status).toBe(204);
    await expect(storage.statObject(audioBucket(), mp3KeyOf(keys!.prepared))).rejects.toMatchObject({
      code: 'NotFound',
    });
  });
});

describe('an API with one MP3 encoder and a queue of one', () => {
  let extra: ExtraApi;
  let token: string;
  let user: { id: string };
  beforeAll(async () => {
    extra = await startExtraApi({ MP3_WORKERS: '1', MP3_MAX_QUEUE: '1', LOG_LEVEL: 'info' });
    const created = await createUser();
    user = created;
    token = (await login(created.username, created.password, extra.url)).access_token;
  });
  afterAll(async () => {
    await extra?.stop();
  });
  const get = (id: string) =>
    fetch(`${extra.url}/api/v1/calls/${id}/recording?format=mp3`, { headers: { authorization: `Bearer ${token}` } });
  const encodings = () =>
    readFileSync(extra.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"MP3 encoded"'));

  it('concurrent first downloads of one file share one encoding', async () => {
    const rec = await storedRecording(wavOf(twoTones(60)), user.id, extra.minio.endpoint);
    const before = encodings().length;
    const answers = await Promise.all([get(rec.id), get(rec.id), get(rec.id), get(rec.id)]);
    const bodies = await Promise.all(answers.map(bytesOf));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const body of bodies) expect(body.equals(bodies[0])).toBe(true);
    expect(encodings().length - before).toBe(1);
  });

  it('more first downloads than the encoder and its queue take: 503 busy with Retry-After, fine later', async () => {
    // Five minutes each: an encoding takes a good part of a second, so all four arrive while one runs.
    const wav = wavOf(twoTones(300));
    const recs = await Promise.all(
      Array.from({ length: 4 }, () => storedRecording(wav, user.id, extra.minio.endpoint)),
    );
    const answers = await Promise.all(recs.map((r) => get(r.id)));
    const statuses = answers.map((r) => r.status);
    const busy = answers.filter((r) => r.status === 503);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(2); // one encoding, one waiting
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    for (const res of busy) {
      expect(res.headers.get('retry-after')).toBe('5');
      await expectProblem(res, 503, 'busy');
    }
    await Promise.all(answers.filter((r) => r.status === 200).map((r) => r.arrayBuffer()));
    for (const [i, res] of answers.entries()) {
      if (res.status !== 503) continue;
      const again = await get(recs[i].id);
      expect(again.status).toBe(200);
      await again.arrayBuffer();
    }
  });
});
