/**
 * Audio messages against the running API, MinIO and PostgreSQL: every accepted encoding
 * converted and compared with ffmpeg's own conversion (the anchor), downloads, ownership,
 * deletion. Refused uploads and limits are in audio-rejects.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeUlaw, encodeUlaw } from '../../telephony/media/g711';
import { goertzelPower } from '../../telephony/media/tone';
import { decodeWav } from '../../telephony/media/wav';
import { adminToken, call, createUser, expectProblem, login } from '../support/api';
import {
  anchorConversion,
  makeTestSignal,
  minioClient,
  objectKeys,
  SWEEP_SECONDS,
  TONE_SECONDS,
  uploadAudio,
} from '../support/audio';
import { bandSnr } from '../support/spectrum';
import { readStack } from '../support/stack';

interface AudioView {
  id: string;
  ownerId: string;
  name: string;
  durationMs: number;
  original: { format: string; contentType: string; sampleRate: number; channels: number; size: number; sha256: string };
  prepared: {
    contentType: string;
    sampleRate: number;
    channels: number;
    size: number;
    durationMs: number;
    gainDb: number;
  };
}

let dir: string;
let token: string;
let userId: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-audio-'));
  const user = await createUser();
  userId = user.id;
  token = (await login(user.username, user.password)).access_token;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIGNAL_MS = (SWEEP_SECONDS + TONE_SECONDS) * 1000;
/** One G.711 frame: 20 ms at 8 kHz. */
const FRAME = 160;

// label, sample rate, channels, ffmpeg output options, detected format, content type
const VARIANTS: [string, number, number, string[], string, string][] = [
  ['WAV 16-bit mono 8 kHz', 8000, 1, ['-c:a', 'pcm_s16le'], 'wav', 'audio/wav'],
  ['WAV 16-bit stereo 44.1 kHz', 44100, 2, ['-c:a', 'pcm_s16le'], 'wav', 'audio/wav'],
  ['WAV 24-bit stereo 48 kHz (extensible)', 48000, 2, ['-c:a', 'pcm_s24le'], 'wav', 'audio/wav'],
  ['WAV 32-bit mono 16 kHz (extensible)', 16000, 1, ['-c:a', 'pcm_s32le'], 'wav', 'audio/wav'],
  ['WAV float stereo 22.05 kHz (extensible)', 22050, 2, ['-c:a', 'pcm_f32le'], 'wav', 'audio/wav'],
  ['WAV 8-bit unsigned mono 22.05 kHz', 22050, 1, ['-c:a', 'pcm_u8'], 'wav', 'audio/wav'],
  ['WAV µ-law mono 8 kHz', 8000, 1, ['-c:a', 'pcm_mulaw'], 'wav', 'audio/wav'],
  ['WAV A-law stereo 16 kHz', 16000, 2, ['-c:a', 'pcm_alaw'], 'wav', 'audio/wav'],
  ['WAV IMA ADPCM mono 22.05 kHz', 22050, 1, ['-c:a', 'adpcm_ima_wav'], 'wav', 'audio/wav'],
  ['WAV MS ADPCM stereo 44.1 kHz', 44100, 2, ['-c:a', 'adpcm_ms'], 'wav', 'audio/wav'],
  [
    'MP3 stereo 44.1 kHz 192 kbit/s',
    44100,
    2,
    ['-c:a', 'libmp3lame', '-b:a', '192k', '-f', 'mp3'],
    'mp3',
    'audio/mpeg',
  ],
  ['MP3 mono 22.05 kHz (MPEG-2)', 22050, 1, ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'], 'mp3', 'audio/mpeg'],
  ['Ogg Vorbis stereo 48 kHz', 48000, 2, ['-c:a', 'libvorbis', '-q:a', '6', '-f', 'ogg'], 'ogg-vorbis', 'audio/ogg'],
  ['Ogg Vorbis mono 16 kHz', 16000, 1, ['-c:a', 'libvorbis', '-q:a', '6', '-f', 'ogg'], 'ogg-vorbis', 'audio/ogg'],
  ['Ogg Opus stereo 48 kHz', 48000, 2, ['-c:a', 'libopus', '-b:a', '96k', '-f', 'ogg'], 'ogg-opus', 'audio/ogg'],
  ['Ogg Opus mono 16 kHz', 16000, 1, ['-c:a', 'libopus', '-b:a', '48k', '-f', 'ogg'], 'ogg-opus', 'audio/ogg'],
  ['FLAC stereo 44.1 kHz', 44100, 2, ['-c:a', 'flac', '-f', 'flac'], 'flac', 'audio/flac'],
  ['FLAC 24-bit mono 48 kHz', 48000, 1, ['-c:a', 'flac', '-sample_fmt', 's32', '-f', 'flac'], 'flac', 'audio/flac'],
  ['Ogg FLAC mono 16 kHz', 16000, 1, ['-c:a', 'flac', '-f', 'ogg'], 'ogg-flac', 'audio/ogg'],
];

/** What each conversion measured, printed at the end for the record. */
const figures: string[] = [];
afterAll(() => {
  process.stdout.write(
    `\naudio quality vs the ffmpeg/soxr anchor (300–3400 Hz, after gain matching):\n${figures.join('\n')}\n`,
  );
});

async function download(id: string, variant?: string, as = token): Promise<Response> {
  return call('GET', `/api/v1/audio/${id}/download${variant ? `?variant=${variant}` : ''}`, { token: as });
}

/** dB by which 1 kHz stands above the strongest of its neighbours and harmonics. */
function toneDominance(samples: Int16Array): number {
  const others = [500, 800, 1200, 2000, 3000].map((f) => goertzelPower(samples, f));
  return 10 * Math.log10(goertzelPower(samples, 1000) / Math.max(...others));
}

describe('converting uploads to the playback form', () => {
  it.each(VARIANTS)('%s', async (label, sampleRate, channels, codec, format, contentType) => {
    const extension = codec.includes('-f') ? codec[codec.indexOf('-f') + 1] : 'wav';
    // The name ends in .bin: the format must come from the bytes.
    const base = label.replace(/\W+/g, '-');
    const input = makeTestSignal(dir, { sampleRate, channels, codec, file: `${base}.${extension}` });
    const bytes = readFileSync(input);
    const res = await uploadAudio({ token, bytes, fileName: `${label}.bin`, name: label });
    expect(res.status).toBe(201);
    const audio = (await res.json()) as AudioView;
    expect(res.headers.get('location')).toBe(`/api/v1/audio/${audio.id}`);
    expect(audio).toMatchObject({
      ownerId: userId,
      name: label,
      original: { format, contentType, sampleRate: format === 'ogg-opus' ? 48000 : sampleRate, channels },
      prepared: { contentType: 'audio/wav', sampleRate: 8000, channels: 1 },
    });
    expect(audio.original.size).toBe(bytes.length);
    expect(audio.original.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    // The duration ffmpeg reads (ADPCM files from ffmpeg count their padded last block as audio).
    const anchor = anchorConversion(input, join(dir, `${base}.anchor.raw`));
    expect(Math.abs(anchor.length - (SIGNAL_MS * 8000) / 1000)).toBeLessThan(1000);
    expect(Math.abs(audio.durationMs - anchor.length / 8)).toBeLessThanOrEqual(20);

    const prepared = await download(audio.id, 'prepared');
    expect(prepared.status).toBe(200);
    const wavBytes = Buffer.from(await prepared.arrayBuffer());
    expect(wavBytes.length).toBe(audio.prepared.size);
    const wav = decodeWav(wavBytes);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(Math.round((wav.samples.length * 1000) / 8000)).toBe(audio.prepared.durationMs);

    expect(Math.abs(wav.samples.length - anchor.length)).toBeLessThanOrEqual(FRAME);
    const ours = bandSnr(anchor, wav.samples, 8000, 300, 3400);
    const ulawOurs = bandSnr(anchor, decodeUlaw(encodeUlaw(wav.samples)), 8000, 300, 3400);
    const ulawAnchor = bandSnr(anchor, decodeUlaw(encodeUlaw(anchor)), 8000, 300, 3400);
    figures.push(
      `  ${label.padEnd(42)} length ${wav.samples.length} vs ${anchor.length}; SNR ${ours.snrDb.toFixed(1)} dB; ` +
        `after µ-law ${ulawOurs.snrDb.toFixed(1)} dB (anchor through µ-law: ${ulawAnchor.snrDb.toFixed(1)} dB); ` +
        `gain ${audio.prepared.gainDb} dB`,
    );
    // Our conversion is as close to the anchor as G.711 itself gets to it, and then some.
    expect(ours.snrDb).toBeGreaterThanOrEqual(35);
    expect(ulawOurs.snrDb).toBeGreaterThanOrEqual(Math.min(35, ulawAnchor.snrDb - 1));
    // The level difference is exactly the normalisation gain we report.
    expect(20 * Math.log10(ours.gain)).toBeCloseTo(-audio.prepared.gainDb, 0);

    // A 1 kHz tone stays a 1 kHz tone.
    const tone = wav.samples.subarray((SWEEP_SECONDS + 0.1) * 8000, (SWEEP_SECONDS + TONE_SECONDS - 0.1) * 8000);
    expect(toneDominance(tone)).toBeGreaterThan(30);
  });
});

describe('an audio message', () => {
  let audio: AudioView;
  let bytes: Buffer;
  beforeAll(async () => {
    bytes = readFileSync(
      makeTestSignal(dir, {
        sampleRate: 44100,
        channels: 2,
        codec: ['-c:a', 'libmp3lame', '-f', 'mp3'],
        file: 'm.mp3',
      }),
    );
    const res = await uploadAudio({ token, bytes, fileName: 'Grüße an alle.mp3' });
    expect(res.status).toBe(201);
    audio = (await res.json()) as AudioView;
  });

  it('is named after the file when no name is given', () => {
    expect(audio.name).toBe('Grüße an alle');
  });

  it('is listed and read back by its owner', async () => {
    const got = await call('GET', `/api/v1/audio/${audio.id}`, { token });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(audio);
    const list = (await (await call('GET', '/api/v1/audio?limit=200', { token })).json()) as { items: AudioView[] };
    expect(list.items.map((a) => a.id)).toContain(audio.id);
  });

  it('downloads the original byte for byte with its detected type, and the prepared WAV', async () => {
    const original = await download(audio.id, 'original');
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('audio/mpeg');
    expect(original.headers.get('content-length')).toBe(String(bytes.length));
    expect(original.headers.get('content-disposition')).toBe(
      `attachment; filename="Gr__e an alle.mp3"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20an%20alle.mp3`,
    );
    expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true);

    for (const res of [await download(audio.id, 'prepared'), await download(audio.id)]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      expect(res.headers.get('content-length')).toBe(String(audio.prepared.size));
      expect(res.headers.get('content-disposition')).toMatch(
        /filename\*=UTF-8''Gr%C3%BC%C3%9Fe%20an%20alle%20%288%20kHz%29\.wav$/,
      );
      expect(decodeWav(Buffer.from(await res.arrayBuffer()))).toMatchObject({ sampleRate: 8000, channels: 1 });
    }
    await expectProblem(await download(audio.id, 'both'), 422, 'validation-error');
  });

  it("is another user's 404, and an administrator's to see", async () => {
    const other = await createUser();
    const otherToken = (await login(other.username, other.password)).access_token;
    await expectProblem(await call('GET', `/api/v1/audio/${audio.id}`, { token: otherToken }), 404, 'not-found');
    await expectProblem(await download(audio.id, 'original', otherToken), 404, 'not-found');
    await expectProblem(await call('DELETE', `/api/v1/audio/${audio.id}`, { token: otherToken }), 404, 'not-found');
    const list = (await (await call('GET', '/api/v1/audio', { token: otherToken })).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
    const admin = await adminToken();
    expect((await call('GET', `/api/v1/audio/${audio.id}`, { token: admin })).status).toBe(200);
    await expectProblem(await call('GET', '/api/v1/audio/not-a-uuid', { token }), 422, 'validation-error');
    expect((await call('GET', '/api/v1/audio')).status).toBe(401);
  });

  it('is deleted with both stored objects', async () => {
    const keys = await objectKeys(audio.id);
    if (!keys) throw new Error('no row for the upload');
    const minio = minioClient();
    const bucket = readStack().env.MINIO_BUCKET_AUDIO ?? 'voicecast-audio';
    const stat = (key: string) =>
      minio.statObject(bucket, key).then(
        (s) => s.size,
        (err: { code?: string }) => err.code,
      );
    expect(await stat(keys.original)).toBe(bytes.length);
    expect(await stat(keys.prepared)).toBe(audio.prepared.size);

    expect((await call('DELETE', `/api/v1/audio/${audio.id}`, { token })).status).toBe(204);
    await expectProblem(await call('GET', `/api/v1/audio/${audio.id}`, { token }), 404, 'not-found');
    expect(await objectKeys(audio.id)).toBeUndefined();
    expect(await stat(keys.original)).toBe('NotFound');
    expect(await stat(keys.prepared)).toBe('NotFound');
  });
});

describe('listing', () => {
  it('pages newest first with a cursor', async () => {
    const user = await createUser();
    const own = (await login(user.username, user.password)).access_token;
    const input = readFileSync(
      makeTestSignal(dir, { sampleRate: 8000, channels: 1, codec: ['-c:a', 'pcm_s16le'], file: 'page.wav' }),
    );
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const res = await uploadAudio({ token: own, bytes: input, name });
      ids.push(((await res.json()) as AudioView).id);
    }
    const first = (await (await call('GET', '/api/v1/audio?limit=2', { token: own })).json()) as {
      items: AudioView[];
      nextCursor?: string;
    };
    expect(first.items.map((a) => a.name)).toEqual(['three', 'two']);
    const second = (await (
      await call('GET', `/api/v1/audio?limit=2&after=${first.nextCursor}`, { token: own })
    ).json()) as { items: AudioView[]; nextCursor?: string };
    expect(second.items.map((a) => a.name)).toEqual(['one']);
    expect(second.nextCursor).toBeUndefined();
    await expectProblem(await call('GET', '/api/v1/audio?after=garbage', { token: own }), 422, 'validation-error');
  });
});
