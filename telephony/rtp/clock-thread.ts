/**
 * A timer with sub-millisecond resolution that never blocks the event loop: the pacer's
 * scheduler when the engine runs with `pacer: { clock: 'thread' }` (the worker's default).
 *
 * Node's own timers fire on the event loop's millisecond clock, anywhere from a millisecond
 * early to half a millisecond late, and Node has no finer timer. Waiting out the difference
 * on the main thread (a busy loop, or `Atomics.wait`) holds the event loop, and the SIP
 * traffic of every call with it, for a millisecond or two per pacer slot. Here a small
 * worker thread does the waiting instead: it sleeps in `Atomics.wait` until the deadline
 * (precise to about 0.1 ms) and then posts a message, which wakes the main thread's event
 * loop at once.
 *
 * One timer at a time (all the pacer needs): arming replaces the previous one. The thread is
 * started on first use (which takes a few tens of ms) and unref'd while no timer is armed, so
 * an idle engine does not keep the process alive; {@link ClockThread.close} ends it.
 */
import { Worker } from 'node:worker_threads';
import type { PacerScheduler } from './pacer.js';

/** Generation counter in slot 0: bumped on every arm and clear, so the thread notices both. */
const GENERATION = 0;
/** Set to ask the thread to end. */
const STOP = 1;

/** Both threads read the same monotonic clock (`performance.now()` has a per-thread origin). */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * The thread's loop (plain JavaScript: an eval'd worker gets no TypeScript). It reads the
 * generation before the deadline and checks it again before firing, so a deadline replaced
 * meanwhile is never reported under the new generation.
 */
const threadSource = `
const { parentPort, workerData } = require('node:worker_threads');
const control = new Int32Array(workerData.control);
const deadline = new Float64Array(workerData.deadline);
for (;;) {
  if (Atomics.load(control, ${STOP}) !== 0) break;
  const generation = Atomics.load(control, ${GENERATION});
  const due = deadline[0];
  if (Number.isNaN(due)) { Atomics.wait(control, ${GENERATION}, generation); continue; }
  const remaining = due - Number(process.hrtime.bigint()) / 1e6;
  if (remaining > 0) { Atomics.wait(control, ${GENERATION}, generation, remaining); continue; }
  if (Atomics.load(control, ${GENERATION}) === generation) parentPort.postMessage(generation);
  Atomics.wait(control, ${GENERATION}, generation);
}
`;

interface Armed {
  generation: number;
  readonly callback: () => void;
  /** On {@link monotonicMs}. */
  readonly due: number;
}

export class ClockThread implements PacerScheduler {
  private worker: Worker | undefined;
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private readonly deadline = new Float64Array(new SharedArrayBuffer(8)).fill(NaN);
  private armed: Armed | undefined;
  /** Cancels the Node timer or immediate serving {@link armed}, if one does. */
  private cancelNodeTimer: (() => void) | undefined;
  /** The thread ended on its own: from then on Node's timers serve, until {@link close}. */
  private failed = false;

  /**
   * Calls `callback` once, `ms` (fractions count) from now, unless cleared or re-armed first.
   * A deadline already due is served by `setImmediate`, without waiting for the thread to start.
   */
  setTimeout(callback: () => void, ms: number): unknown {
    const armed: Armed = { generation: 0, callback, due: monotonicMs() + Math.max(0, ms) };
    this.disarm();
    if (ms > 0 && !this.failed) this.arm(armed);
    else this.armWithNode(armed);
    return armed;
  }

  clearTimeout(handle: unknown): void {
    if (!this.armed || this.armed !== handle) return;
    this.disarm();
    this.deadline[0] = NaN;
    this.bump();
  }

  /** Ends the thread; a later `setTimeout` starts a new one. */
  async close(): Promise<void> {
    this.disarm();
    this.failed = false;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, GENERATION);
    await worker.terminate();
  }

  private arm(armed: Armed): void {
    const worker = this.start();
    this.deadline[0] = armed.due;
    armed.generation = this.bump();
    this.armed = armed;
    worker.ref();
  }

  private armWithNode(armed: Armed): void {
    this.deadline[0] = NaN; // the thread drops whatever it was waiting for
    armed.generation = this.bump();
    this.armed = armed;
    this.waitWithNode(armed);
  }

  /** Node's timers fire up to a millisecond early: one that did is set again for the rest. */
  private waitWithNode(armed: Armed): void {
    const ms = armed.due - monotonicMs();
    if (ms > 0) {
      const timer = setTimeout(() => this.waitWithNode(armed), ms);
      this.cancelNodeTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => this.fire(armed.generation));
      this.cancelNodeTimer = () => clearImmediate(immediate);
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    Atomics.store(this.control, STOP, 0);
    const worker = new Worker(threadSource, {
      eval: true,
      workerData: { control: this.control.buffer, deadline: this.deadline.buffer },
      // The loop allocates next to nothing: a small heap is plenty.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
    });
    worker.on('message', (generation: number) => this.fire(generation));
    worker.on('error', (err) =>
      process.emitWarning(`the RTP clock thread failed: ${String(err)}`, 'ClockThreadWarning'),
    );
    worker.on('exit', () => {
      if (this.worker !== worker) return; // closed
      // Nothing in the loop throws; should the thread end anyway, Node's timers take over
      // (up to a millisecond late, never early; no call waits for a tick that never comes).
      this.worker = undefined;
      this.failed = true;
      process.emitWarning('the RTP clock thread ended; the pacer runs on Node timers', 'ClockThreadWarning');
      if (this.armed) this.armWithNode(this.armed);
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private bump(): number {
    const generation = Atomics.add(this.control, GENERATION, 1) + 1;
    Atomics.notify(this.control, GENERATION);
    return generation;
  }

  private fire(generation: number): void {
    const armed = this.armed;
    if (armed?.generation !== generation) return; // cleared or re-armed since
    this.disarm();
    armed.callback();
  }

  private disarm(): void {
    this.armed = undefined;
    this.cancelNodeTimer?.();
    this.cancelNodeTimer = undefined;
    this.worker?.unref();
  }
}
