/**
 * MP3s of stored WAVs, made on first download and kept in MinIO beside their WAV, so that
 * repeat downloads and byte ranges cost a read, not an encoding.
 *
 * The MP3's key is derived from the WAV's own key ({@link mp3KeyOf}), and is only ever
 * reached through a WAV key the caller has already checked is the principal's: a tenant can
 * reach no MP3 but those of its own files. The MP3 carries the WAV's ETag and the encoder tag
 * as metadata; one made from another WAV or by another encoder is made again. Whoever
 * deletes a WAV deletes `mp3KeyOf(key)` with it; an encoding that finishes after its WAV was
 * deleted removes its own MP3 again.
 *
 * Concurrent first downloads of one file in this process share one encoding; two API
 * processes may each encode it once, harmlessly (same bytes, one key, atomic puts).
 */
import type { Readable } from 'node:stream';
import { Mp3InputError, MP3_ENCODER_TAG } from '../../audio/mp3-encode.js';
import type { Mp3Encoder } from '../../audio/mp3-encoder.js';
import { PoolBusyError } from '../../audio/worker-pool.js';
import { AppError, BusyError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Storage } from '../../lib/storage.js';
import { isMissingObject } from './stored-download.js';

export const MP3_CONTENT_TYPE = 'audio/mpeg';
/** Seconds a client is asked to wait when every encoder is busy and the queue is full. */
export const MP3_BUSY_RETRY_AFTER_SECONDS = 5;

/** `…/x.wav` → `…/x.mp3`; any other key gains `.mp3`. */
export function mp3KeyOf(wavKey: string): string {
  return wavKey.toLowerCase().endsWith('.wav') ? `${wavKey.slice(0, -4)}.mp3` : `${wavKey}.mp3`;
}

/** Metadata names as MinIO returns them (lower case, without `x-amz-meta-`). */
const SOURCE_ETAG = 'source-etag';
const ENCODER = 'encoder';

export class Mp3Cache {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: { readonly storage: Storage; readonly encoder: Mp3Encoder; readonly logger: Logger },
  ) {}

  /**
   * Makes sure the MP3 of `wavKey` is stored and current; returns its key. MinIO errors are
   * thrown as raised (a missing WAV: `isMissingObject`); a full encoder queue is a
   * {@link BusyError}; a WAV the encoder cannot take a 500.
   */
  async ensure(bucket: string, wavKey: string): Promise<string> {
    const { storage } = this.deps;
    const mp3Key = mp3KeyOf(wavKey);
    const wav = await storage.statObject(bucket, wavKey);
    const cached = await storage.statObject(bucket, mp3Key).catch((err: unknown) => {
      if (isMissingObject(err)) return undefined;
      throw err;
    });
    if (cached?.metaData[SOURCE_ETAG] === wav.etag && cached.metaData[ENCODER] === MP3_ENCODER_TAG) return mp3Key;
    const flight = `${bucket}/${mp3Key}`;
    let running = this.inFlight.get(flight);
    if (!running) {
      running = this.encodeAndStore(bucket, wavKey, mp3Key, wav.etag).finally(() => this.inFlight.delete(flight));
      this.inFlight.set(flight, running);
    }
    await running;
    return mp3Key;
  }

  private async encodeAndStore(bucket: string, wavKey: string, mp3Key: string, etag: string): Promise<void> {
    const { storage, logger } = this.deps;
    const wav = await readAll(await storage.getObject(bucket, wavKey));
    const started = performance.now();
    const mp3 = await this.encode(wav, wavKey);
    logger.info(
      { wavKey, wavBytes: wav.byteLength, mp3Bytes: mp3.byteLength, ms: Math.round(performance.now() - started) },
      'MP3 encoded',
    );
    await storage.putObject(bucket, mp3Key, mp3, mp3.byteLength, {
      'Content-Type': MP3_CONTENT_TYPE,
      [`X-Amz-Meta-${SOURCE_ETAG}`]: etag,
      [`X-Amz-Meta-${ENCODER}`]: MP3_ENCODER_TAG,
    });
    // The WAV may have been deleted while it was encoded: then the MP3 must not outlive it.
    try {
      await storage.statObject(bucket, wavKey);
    } catch (err) {
      if (!isMissingObject(err)) throw err;
      await storage.removeObject(bucket, mp3Key);
      throw err;
    }
  }

  private async encode(wav: Buffer, wavKey: string): Promise<Buffer> {
    try {
      return await this.deps.encoder.encode(wav);
    } catch (err) {
      if (err instanceof PoolBusyError) {
        throw new BusyError(
          MP3_BUSY_RETRY_AFTER_SECONDS,
          'Every MP3 encoder is busy and the queue is full; try again shortly, or download the WAV.',
        );
      }
      const what = err instanceof Mp3InputError ? 'The stored WAV cannot be encoded' : 'MP3 encoding failed';
      this.deps.logger.error({ err, wavKey }, what);
      throw new AppError(500, 'mp3-encoding-failed', 'MP3 encoding failed', what);
    }
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
