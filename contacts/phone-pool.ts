/**
 * A pool of worker threads that normalise phone numbers. libphonenumber costs several
 * microseconds a number, the bulk of a contact import: on its own thread it uses the other
 * cores and leaves the event loop free. Batches are answered one promise each, so a caller
 * that awaits them in the order it submitted keeps its input order whatever worker is faster.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js/max';
import type { PhoneResult } from './phone.js';
import type { PhoneBatch } from './phone-worker.js';

/** Normalises batches of raw values; results in input order. */
export interface PhoneNormaliser {
  normalise(values: readonly string[], defaultCountry: CountryCode | undefined): Promise<PhoneResult[]>;
}

interface Task {
  readonly batch: PhoneBatch;
  resolve(results: PhoneResult[]): void;
  reject(err: Error): void;
}

interface Slot {
  readonly worker: Worker;
  task: Task | undefined;
}

export class PhoneWorkerPool implements PhoneNormaliser {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private closed = false;

  /**
   * @param size worker threads, started on first use and kept (unreferenced while idle, so
   *   they never hold the process open).
   * @param script the compiled worker (`phone-worker.js` beside this file).
   */
  constructor(
    readonly size: number,
    private readonly script = join(__dirname, 'phone-worker.js'),
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
  }

  normalise(values: readonly string[], defaultCountry: CountryCode | undefined): Promise<PhoneResult[]> {
    if (this.closed) return Promise.reject(new Error('the phone worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ batch: { values, defaultCountry }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers; queued batches are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the phone worker pool closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.task) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage(task.batch);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.script), task: undefined };
    const finish = (): Task | undefined => {
      const task = slot.task;
      slot.task = undefined;
      slot.worker.unref();
      return task;
    };
    slot.worker.on('message', (results: PhoneResult[]) => {
      finish()?.resolve(results);
      this.dispatch();
    });
    const retire = (err: Error) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      finish()?.reject(err);
      if (!this.closed) this.dispatch();
    };
    slot.worker.on('error', retire);
    slot.worker.on('exit', (code) => retire(new Error(`phone worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
