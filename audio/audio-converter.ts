/**
 * What the API uses to convert an upload: {@link prepareAudio} on a {@link WorkerPool} of
 * `prepare-worker.js` threads, with rejections rebuilt as {@link AudioRejectedError}.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AudioRejectedError } from './audio-error.js';
import type { PreparedAudio, PrepareOptions } from './prepare.js';
import type { PrepareJob } from './prepare-worker.js';
import { WorkerJobError, WorkerPool } from './worker-pool.js';

export interface AudioConverterOptions {
  readonly workers: number;
  readonly prepare: PrepareOptions;
  /** Uploads waiting for a worker before new ones are refused (default 32). */
  readonly maxQueue?: number;
  /** Longest conversion before its worker is stopped (default 120 s; 10 minutes of audio take a few). */
  readonly jobTimeoutMs?: number;
}

/** Heap cap per worker: decoded audio is streamed, so this only stops a runaway decoder. */
const WORKER_HEAP_MB = 512;

export class AudioConverter {
  private readonly pool: WorkerPool<PrepareJob, PreparedAudio>;

  constructor(private readonly options: AudioConverterOptions) {
    this.pool = new WorkerPool({
      size: options.workers,
      maxQueue: options.maxQueue ?? 32,
      jobTimeoutMs: options.jobTimeoutMs ?? 120_000,
      createWorker: () =>
        new Worker(join(__dirname, 'prepare-worker.js'), {
          resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
        }),
    });
  }

  /**
   * Converts the file at `path` (read in the worker). Throws {@link AudioRejectedError} for
   * input that is not usable audio, PoolBusyError when too many conversions wait, else Error.
   */
  async convert(path: string): Promise<PreparedAudio> {
    try {
      const prepared = await this.pool.run({ path, options: this.options.prepare });
      // Structured clone turns the Buffer into a plain Uint8Array over the moved memory.
      return { ...prepared, wav: Buffer.from(prepared.wav.buffer, prepared.wav.byteOffset, prepared.wav.byteLength) };
    } catch (err) {
      if (err instanceof WorkerJobError) {
        const rejected = AudioRejectedError.from(err.payload);
        if (rejected) throw rejected;
        throw new Error(`audio conversion failed: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
