/**
 * Uploads the API must refuse, each with a problem+json that names the `file` field and says
 * why — and after which nothing is stored: no row, no object.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, expectProblem, login, type TestUser } from '../support/api';
import { ffmpeg, listObjects, makeTestSignal, minioClient, sql, uploadAudio } from '../support/audio';
import { flacBomb, wavDeclaring } from '../support/audio-bombs';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';

let dir: string;
let user: TestUser;
let token: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-audio-rejects-'));
  user = await createUser();
  token = (await login(user.username, user.password)).access_token;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wav = (seconds: number, extra: string[] = []) => {
  const file = join(dir, `tone-${seconds}-${extra.join('')}.wav`);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=1000:sample_rate=8000:duration=${seconds}`,
    ...extra,
    '-c:a',
    'pcm_s16le',
    file,
  );
  return readFileSync(file);
};

async function refused(res: Response, status: number, type: string, detail: RegExp): Promise<void> {
  const problem = await expectProblem(res, status, type);
  expect(problem.detail).toMatch(detail);
  expect(problem.errors).toEqual([{ field: 'body.file', message: expect.any(String) as unknown }]);
}

async function nothingStoredFor(owner: string, minioEndpoint?: string): Promise<void> {
  expect(await sql('select id from audio_message where owner_id = $1', [owner])).toEqual([]);
  expect(await listObjects(minioClient(minioEndpoint), `${owner}/`)).toEqual([]);
}

describe('refused uploads', () => {
  afterAll(async () => {
    await nothingStoredFor(user.id);
  });

  it('a text file renamed .wav is 415', async () => {
    const bytes = Buffer.from('Hello! Just some text that pretends to be a WAV file.\n'.repeat(20));
    await refused(
      await uploadAudio({ token, bytes, fileName: 'message.wav' }),
      415,
      'unsupported-media-type',
      /not audio/,
    );
  });

  it('an AAC file in MP4 is 415, named', async () => {
    const file = join(dir, 'x.m4a');
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=1000:duration=1', '-c:a', 'aac', file);
    await refused(await uploadAudio({ token, bytes: readFileSync(file) }), 415, 'unsupported-media-type', /MP4\/M4A/);
  });

  it('a WAV cut inside its header is 422 truncated', async () => {
    const bytes = wav(1).subarray(0, 30);
    await refused(await uploadAudio({ token, bytes }), 422, 'audio-truncated', /truncated.*fmt chunk/);
  });

  it('a WAV cut inside its data is 422 truncated', async () => {
    const whole = wav(1);
    await refused(
      await uploadAudio({ token, bytes: whole.subarray(0, whole.length - 1000) }),
      422,
      'audio-truncated',
      /declares 16000 bytes but only 15000/,
    );
  });

  it('zero-length audio is 422 empty: no bytes at all, or a WAV without samples', async () => {
    await refused(await uploadAudio({ token, bytes: new Uint8Array(0) }), 422, 'audio-empty', /empty/);
    const whole = wav(1);
    const dataChunk = whole.indexOf('data');
    const header = whole.subarray(0, dataChunk + 8);
    header.writeUInt32LE(0, dataChunk + 4); // data size 0, nothing after it
    await refused(await uploadAudio({ token, bytes: header }), 422, 'audio-empty', /no audio samples/);
  });

  it('a damaged MP3 is 422 corrupt, with what the decoder said', async () => {
    const file = join(dir, 'damaged.mp3');
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=1000:duration=3', '-c:a', 'libmp3lame', file);
    const bytes = readFileSync(file);
    for (let i = 2000; i < 3000; i += 1) bytes[i] = (i * 7) & 0xff;
    await refused(await uploadAudio({ token, bytes }), 422, 'audio-corrupt', /damaged/);
  });

  it('a WAV longer than the maximum (600 s) is 422 too long, refused from its header', async () => {
    // 601 s of 8-bit 8 kHz silence: 4.8 MB, cheap to make and to refuse.
    const file = join(dir, 'long.wav');
    ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '601', '-c:a', 'pcm_u8', file);
    await refused(
      await uploadAudio({ token, bytes: readFileSync(file) }),
      422,
      'audio-too-long',
      /601\.0 s long; the maximum is 600 s/,
    );
  });

  it('a request without the file is 422 naming the field', async () => {
    const problem = await expectProblem(await uploadAudio({ token, name: 'no file' }), 422, 'validation-error');
    expect(problem.errors).toEqual([{ field: 'body.file', message: 'an audio file is required' }]);
  });

  it('a blank name is 422 naming the field', async () => {
    const problem = await expectProblem(
      await uploadAudio({ token, bytes: wav(1), name: '   ' }),
      422,
      'validation-error',
    );
    expect(problem.errors).toEqual([
      { field: 'body.name', message: expect.stringMatching(/1–200 characters/) as unknown },
    ]);
  });
});

/** The API process's resident set size in bytes, and its peak since the last reset. */
function apiMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('decompression bombs and absurd headers (F14)', () => {
  const pid = () => {
    const api = readStack().pids.api;
    expect(readFileSync(`/proc/${api}/cmdline`, 'utf8')).toMatch(/api\/main\.js/);
    return api;
  };

  /** Uploads `bytes` and expects `type` naming `detail` within 2 s, the API's peak RSS up by < 200 MB. */
  async function refusedCheaply(bytes: Buffer, type: string, detail: RegExp): Promise<void> {
    const api = pid();
    writeFileSync(`/proc/${api}/clear_refs`, '5'); // resets VmHWM to the current RSS
    const before = apiMemory(api);
    const started = Date.now();
    await refused(await uploadAudio({ token, bytes, fileName: 'bomb.audio' }), 422, type, detail);
    const elapsed = Date.now() - started;
    const peakGrowthMb = (apiMemory(api).peak - before.rss) / 2 ** 20;
    expect(elapsed).toBeLessThan(2000);
    expect(peakGrowthMb).toBeLessThan(200);
  }

  afterAll(async () => {
    await nothingStoredFor(user.id);
  });

  it('a 256 KB FLAC of 8 channels of constant 65,535-sample frames at 48 kHz (~15 GB as float) is cut off as too long', async () => {
    const bytes = flacBomb({ sampleRate: 48_000, channels: 8, frames: 7200 });
    expect(bytes.length).toBeLessThan(300 * 1024);
    await refusedCheaply(bytes, 'audio-too-long', /longer than 600 s/);
  });

  it('the same FLAC declaring 655,350 Hz is refused from its STREAMINFO, before decoding', async () => {
    const bytes = flacBomb({ sampleRate: 655_350, channels: 8, frames: 7200 });
    await refusedCheaply(bytes, 'audio-corrupt', /sample rate of 655350 Hz \(8000–192000 Hz are accepted\)/);
  });

  it('a FLAC whose STREAMINFO declares more than 600 s is refused from it', async () => {
    const bytes = flacBomb({ sampleRate: 48_000, channels: 2, frames: 4, totalSamples: 48_000 * 3600 });
    await refusedCheaply(bytes, 'audio-too-long', /3600\.0 s long; the maximum is 600 s/);
  });

  it('a WAV declaring 4 GHz, 6 kHz or 9 channels is refused from its header', async () => {
    await refusedCheaply(wavDeclaring(4_000_000_000, 1), 'audio-corrupt', /sample rate of 4000000000 Hz/);
    await refusedCheaply(wavDeclaring(6000, 1), 'audio-corrupt', /sample rate of 6000 Hz/);
    await refusedCheaply(wavDeclaring(8000, 9), 'audio-corrupt', /9 channels/);
  });

  it('a FLAC of 8 channels at 48 kHz within the limits is still accepted', async () => {
    // 4 frames of 65,535 samples: 5.5 s.
    const other = await createUser();
    const otherToken = (await login(other.username, other.password)).access_token;
    const bytes = flacBomb({ sampleRate: 48_000, channels: 8, frames: 4 });
    const res = await uploadAudio({ token: otherToken, bytes });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      original: { format: 'flac', sampleRate: 48_000, channels: 8 },
      durationMs: 5461,
    });
  });
});

describe('limits and failures on an API with small limits', () => {
  let extra: ExtraApi;
  let extraToken: string;
  beforeAll(async () => {
    extra = await startExtraApi({
      AUDIO_MAX_DURATION_SECONDS: '3',
      AUDIO_MAX_UPLOAD_BYTES: '200000',
      UPLOAD_MAX_BYTES: '400000',
    });
    extraToken = (await login(user.username, user.password, extra.url)).access_token;
  });
  afterAll(async () => {
    await extra?.stop();
  });
  const upload = (bytes: Uint8Array) => uploadAudio({ token: extraToken, bytes, baseUrl: extra.url });

  it('a file over the audio limit is 413', async () => {
    // 15 s of 16-bit 8 kHz: 240 kB, over 200 kB but under the multipart cap.
    const bytes = wav(15);
    const detail = new RegExp(`${bytes.length} bytes; audio uploads may have at most 200000`);
    await refused(await upload(bytes), 413, 'payload-too-large', detail);
  });

  it('a file over the upload cap is 413 while it streams in', async () => {
    const problem = await expectProblem(await upload(wav(30)), 413, 'payload-too-large');
    expect(problem.errors).toEqual([{ field: 'body.file', message: 'file too large' }]);
  });

  it('compressed audio longer than the maximum is 422 too long, found while decoding', async () => {
    const vorbis = makeTestSignal(dir, {
      sampleRate: 16000,
      channels: 1,
      codec: ['-c:a', 'libvorbis', '-f', 'ogg'],
      file: '5s.ogg',
    });
    await refused(await upload(readFileSync(vorbis)), 422, 'audio-too-long', /longer than 3 s/);
  });

  it('a FLAC longer than the maximum is 422 too long, refused from its STREAMINFO', async () => {
    const flac = makeTestSignal(dir, {
      sampleRate: 16000,
      channels: 1,
      codec: ['-c:a', 'flac', '-f', 'flac'],
      file: '5s.flac',
    });
    await refused(await upload(readFileSync(flac)), 422, 'audio-too-long', /5\.0 s long; the maximum is 3 s/);
  });

  it('stores nothing when object storage fails after the conversion', async () => {
    await extra.minio.stop();
    const failed = await upload(wav(1));
    await expectProblem(failed, 503, 'upstream-unavailable');
    expect(await sql('select id from audio_message where owner_id = $1', [user.id])).toEqual([]);
  });
});
