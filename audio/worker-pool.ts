/**
 * A small, bounded pool of worker threads for CPU-bound jobs (audio decoding blocks for
 * hundreds of milliseconds; on the API's event loop that would stall every request).
 *
 * At most `size` workers, each running one job at a time, started on demand and kept for
 * the next job; further jobs wait in a FIFO queue of at most `maxQueue`, beyond which
 * {@link PoolBusyError} is thrown at once rather than letting work pile up. A job that runs
 * longer than `jobTimeoutMs` has its worker terminated; a worker that dies fails only its
 * own job and is replaced on demand.
 *
 * Protocol: the pool posts `{ id, input }`; the worker answers `{ id, ok: true, output }` or
 * `{ id, ok: false, error }`, where `error` is any structured-cloneable description that the
 * caller interprets (it is handed over as {@link WorkerJobError.payload}).
 */
import type { Transferable, Worker } from 'node:worker_threads';

export interface WorkerPoolOptions {
  readonly size: number;
  readonly maxQueue: number;
  readonly jobTimeoutMs: number;
  /** Starts one worker (a script path in production, an inline one in tests). */
  readonly createWorker: () => Worker;
}

/** The queue is full: the caller should answer "try again later". */
export class PoolBusyError extends Error {
  override readonly name = 'PoolBusyError';
}

/** The worker answered with an error; `payload` is what it sent (its `message` and `stack` are adopted). */
export class WorkerJobError extends Error {
  override readonly name = 'WorkerJobError';
  constructor(readonly payload: unknown) {
    const { message, stack } = (payload ?? {}) as { message?: unknown; stack?: unknown };
    super(typeof message === 'string' ? message : 'job failed');
    if (typeof stack === 'string') this.stack = stack;
  }
}

interface Job {
  readonly id: number;
  readonly input: unknown;
  readonly transfer: readonly Transferable[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly output?: unknown;
  readonly error?: unknown;
}

export class WorkerPool<In, Out> {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    if (options.size < 1) throw new RangeError('a worker pool needs at least one worker');
  }

  /** Jobs waiting for a worker (not counting running ones). */
  get queued(): number {
    return this.queue.length;
  }

  /** Runs `input` on a worker; `transfer` lists buffers moved (not copied) to it. */
  run(input: In, transfer: readonly Transferable[] = []): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    if (this.queue.length >= this.options.maxQueue && !this.idleSlot() && this.slots.size >= this.options.size) {
      return Promise.reject(new PoolBusyError(`all ${this.options.size} workers are busy and the queue is full`));
    }
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Fails queued jobs, terminates the workers (running jobs fail too). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('worker pool closed'));
    await Promise.all([...this.slots].map((slot) => this.retire(slot, new Error('worker pool closed'))));
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (!slot.job) return slot;
    return undefined;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.idleSlot() ?? (this.slots.size < this.options.size ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => {
        void this.retire(slot, new Error(`job timed out after ${this.options.jobTimeoutMs} ms`));
      }, this.options.jobTimeoutMs);
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, input: job.input }, [...job.transfer]);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: this.options.createWorker() };
    slot.worker.unref();
    slot.worker.on('message', (reply: Reply) => this.settle(slot, reply));
    slot.worker.on('error', (err) => void this.retire(slot, err));
    slot.worker.on('exit', (code) => void this.retire(slot, new Error(`worker exited with code ${code}`)));
    this.slots.add(slot);
    return slot;
  }

  private settle(slot: Slot, reply: Reply): void {
    const job = slot.job;
    if (!job || reply.id !== job.id) return;
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.worker.unref();
    if (reply.ok) job.resolve(reply.output);
    else job.reject(new WorkerJobError(reply.error));
    this.dispatch();
  }

  /** Removes a worker for good, failing its job with `reason`; the next dispatch starts a fresh one. */
  private async retire(slot: Slot, reason: unknown): Promise<void> {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    slot.job?.reject(reason);
    slot.job = undefined;
    slot.worker.removeAllListeners('message');
    await slot.worker.terminate();
    if (!this.closed) this.dispatch();
  }
}
