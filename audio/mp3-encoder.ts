/**
 * What the API uses to make MP3s: {@link encodeMp3} on a {@link WorkerPool} of
 * `mp3-worker.js` threads, its own pool (so downloads never wait behind upload conversions,
 * nor take more than `workers` cores however many are asked for at once).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Mp3InputError } from './mp3-encode.js';
import { WorkerJobError, WorkerPool } from './worker-pool.js';

export interface Mp3EncoderOptions {
  readonly workers: number;
  /** Encodings waiting for a worker before new ones are refused (PoolBusyError). */
  readonly maxQueue: number;
  /** Longest encoding before its worker is stopped (default 120 s; an hour of 8 kHz takes about 4). */
  readonly jobTimeoutMs?: number;
}

/** Heap cap per worker: the WAV, its samples and the MP3 of one file. */
const WORKER_HEAP_MB = 512;

export class Mp3Encoder {
  private readonly pool: WorkerPool<Uint8Array, Uint8Array>;

  constructor(options: Mp3EncoderOptions) {
    this.pool = new WorkerPool({
      size: options.workers,
      maxQueue: options.maxQueue,
      jobTimeoutMs: options.jobTimeoutMs ?? 120_000,
      createWorker: () =>
        new Worker(join(__dirname, 'mp3-worker.js'), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } }),
    });
  }

  /**
   * Encodes a WAV file; its buffer is moved to the worker (unusable here afterwards). Throws
   * {@link Mp3InputError} for a WAV the encoder cannot take, PoolBusyError when too many
   * encodings wait, else Error.
   */
  async encode(wav: Uint8Array): Promise<Buffer> {
    try {
      // Only a whole, unshared ArrayBuffer can be moved: a small Buffer is a view into Node's pool.
      const whole = wav.byteOffset === 0 && wav.byteLength === wav.buffer.byteLength;
      const buffer = whole && wav.buffer instanceof ArrayBuffer ? wav : new Uint8Array(wav);
      const mp3 = await this.pool.run(buffer, [buffer.buffer as ArrayBuffer]);
      return Buffer.from(mp3.buffer, mp3.byteOffset, mp3.byteLength);
    } catch (err) {
      if (err instanceof WorkerJobError) {
        const payload = err.payload as { input?: boolean; message?: string };
        if (payload?.input) throw new Mp3InputError(payload.message ?? 'not encodable');
        throw new Error(`MP3 encoding failed: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
