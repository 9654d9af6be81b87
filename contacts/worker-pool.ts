/**
 * A fixed pool of worker threads running one script, each handling one job at a time; the
 * rest wait in a queue. Every job is answered by its own promise, so a caller that awaits
 * them in the order it submitted keeps its order whichever worker is faster. A worker that
 * dies fails its job and is replaced on the next one.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

interface Task<In, Out> {
  readonly job: In;
  resolve(result: Out): void;
  reject(err: Error): void;
}

interface Slot<In, Out> {
  readonly worker: Worker;
  task: Task<In, Out> | undefined;
}

export interface WorkerPoolOptions {
  readonly size: number;
  /** The compiled worker script: answers each message with one message. */
  readonly script: string;
  /** Caps each worker's heap (a worker over it fails its job, not the process). */
  readonly resourceLimits?: ResourceLimits;
}

export class WorkerPool<In, Out> {
  private readonly slots: Slot<In, Out>[] = [];
  private readonly queue: Task<In, Out>[] = [];
  private closed = false;

  /** Workers start on first use and stay (unreferenced while idle: they never hold the process open). */
  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`pool size must be a positive integer, got ${options.size}`);
    }
  }

  get size(): number {
    return this.options.size;
  }

  run(job: In): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers; queued jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the worker pool closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.task) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage(task.job);
    }
  }

  private spawn(): Slot<In, Out> {
    const worker = new Worker(this.options.script, { resourceLimits: this.options.resourceLimits });
    const slot: Slot<In, Out> = { worker, task: undefined };
    const finish = (): Task<In, Out> | undefined => {
      const task = slot.task;
      slot.task = undefined;
      worker.unref();
      return task;
    };
    worker.on('message', (result: Out) => {
      finish()?.resolve(result);
      this.dispatch();
    });
    const retire = (err: Error) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      finish()?.reject(err);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', retire);
    worker.on('exit', (code) => retire(new Error(`worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
