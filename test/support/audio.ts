/**
 * Helpers for the audio integration tests: test signals made by ffmpeg (the reference
 * implementation: a missing ffmpeg fails the test, never skips it), multipart uploads, and
 * a look into the stored objects and rows.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Minio from 'minio';
import { Client as PgClient } from 'pg';
import { readStack } from './stack';

/** Runs ffmpeg quietly; throws with its stderr on failure. */
export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

export interface SignalOptions {
  readonly sampleRate: number;
  readonly channels: number;
  /** ffmpeg output options (codec, bit rate, container). */
  readonly codec: readonly string[];
  readonly file: string;
}

/** Seconds of the sweep, then seconds of the 1 kHz tone, in {@link makeTestSignal}. */
export const SWEEP_SECONDS = 4;
export const TONE_SECONDS = 1;

/**
 * The known test signal: a logarithmic sine sweep from 50 Hz to 7 kHz (or 0.45 × the sample
 * rate) over 4 s, then 1 s of 1 kHz, at -6 dBFS, the same in every channel.
 */
export function makeTestSignal(dir: string, options: SignalOptions): string {
  const f0 = 50;
  const f1 = Math.min(7000, 0.45 * options.sampleRate);
  const k = Math.log(f1 / f0) / SWEEP_SECONDS;
  const sweep = `sin(2*PI*${f0}*(exp(${k}*t)-1)/${k})`;
  const expr = `0.5*if(lt(t,${SWEEP_SECONDS}),${sweep},sin(2*PI*1000*t))`;
  const exprs = Array.from({ length: options.channels }, () => expr).join('|');
  const path = join(dir, options.file);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `aevalsrc=exprs='${exprs}':s=${options.sampleRate}:d=${SWEEP_SECONDS + TONE_SECONDS}`,
    ...options.codec,
    path,
  );
  return path;
}

/** ffmpeg's conversion of `input` to 8 kHz mono 16-bit PCM with the SoX resampler: the anchor. */
export function anchorConversion(input: string, output: string): Int16Array {
  ffmpeg('-i', input, '-af', 'aresample=resampler=soxr:precision=28', '-ar', '8000', '-ac', '1', '-f', 's16le', output);
  const raw = readFileSync(output);
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
}

export interface UploadOptions {
  readonly token: string;
  readonly bytes?: Uint8Array;
  readonly fileName?: string;
  readonly name?: string;
  /** The multipart field; `file` unless testing a wrong one. */
  readonly field?: string;
  readonly baseUrl?: string;
}

/** POST /api/v1/audio as multipart/form-data. */
export async function uploadAudio(options: UploadOptions): Promise<Response> {
  const form = new FormData();
  if (options.bytes) {
    form.append(options.field ?? 'file', new Blob([options.bytes]), options.fileName ?? 'message.wav');
  }
  if (options.name !== undefined) form.append('name', options.name);
  return fetch(`${options.baseUrl ?? readStack().apiUrl}/api/v1/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}` },
    body: form,
  });
}

/** The object keys of an audio row, read from the database. */
export async function objectKeys(audioId: string): Promise<{ original: string; prepared: string } | undefined> {
  const rows = await sql<{ original_key: string; prepared_key: string }>(
    'select original_key, prepared_key from audio_message where id = $1',
    [audioId],
  );
  return rows[0] ? { original: rows[0].original_key, prepared: rows[0].prepared_key } : undefined;
}

export async function sql<T>(text: string, params: unknown[]): Promise<T[]> {
  const client = new PgClient({ connectionString: readStack().databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A MinIO client for the test stack's server (or another endpoint, e.g. an extra API's). */
export function minioClient(endpoint = readStack().minio.endpoint): Minio.Client {
  const url = new URL(endpoint);
  const { accessKey, secretKey } = readStack().minio;
  return new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey, secretKey });
}

/** Names of the objects under `prefix` in the audio bucket. */
export async function listObjects(client: Minio.Client, prefix: string): Promise<string[]> {
  const bucket = readStack().env.MINIO_BUCKET_AUDIO ?? 'voicecast-audio';
  const names: string[] = [];
  for await (const item of client.listObjectsV2(bucket, prefix, true) as AsyncIterable<{ name?: string }>) {
    if (item.name) names.push(item.name);
  }
  return names;
}
