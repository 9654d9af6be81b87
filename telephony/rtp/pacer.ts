/**
 * One clock for every live call: a shared pacer that ticks every `frameMs` (20 ms) and calls
 * each subscriber once per tick, so a thousand calls cost one timer, not a thousand.
 *
 * Timing (the part that matters for RTP):
 * - Tick `k` of a run is due at `start + k × frameMs` on a monotonic clock
 *   (`performance.now()`), `start` being when the first subscriber arrived. Every sleep is
 *   computed from that schedule, never chained (`setTimeout(20)` would add each wake-up's
 *   lateness to all later ticks and drift). Tick 0 is due at once.
 * - A timer may fire slightly early (Node's timers run on the event loop's cached
 *   millisecond clock); a tick within {@link EARLY_TOLERANCE_MS} of its deadline is emitted
 *   rather than slept for again, which costs more than the error.
 * - Late (event loop blocked, GC): the missed ticks are emitted immediately, back to back,
 *   so senders keep their RTP timestamps and sequence numbers in step with wall time. At
 *   most `maxBurst` (default 5, 100 ms of audio) are emitted at once; older missed ticks
 *   are skipped and the tick numbers jump accordingly, so a subscriber can see the gap
 *   (the RTP session advances its timestamp over it and sets the marker bit) and `onSkip`
 *   reports it.
 *
 * Lifecycle: the timer exists only while there are subscribers. When the last one leaves,
 * the timer is cleared (nothing keeps the process alive); the next subscriber starts a new
 * run with tick numbers from 0.
 *
 * Subscribers must be cheap (they all share one turn of the event loop). One that throws is
 * reported through `onError`; the others still get their tick.
 */

/** The timer functions the pacer uses; injectable so tests can drive a fake clock. */
export interface PacerScheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PacerOptions {
  /** Tick period, default 20 ms. */
  readonly frameMs?: number;
  /** Monotonic clock in milliseconds, default `performance.now()`. */
  readonly now?: () => number;
  readonly scheduler?: PacerScheduler;
  /** Most ticks emitted back to back when catching up; default 5. */
  readonly maxBurst?: number;
  /**
   * A subscriber threw; the tick continues with the next one. Default: one process warning
   * for the first error (pass a handler that logs each).
   */
  readonly onError?: (error: unknown, tick: number) => void;
  /** The pacer was so late that `skipped` ticks were dropped rather than emitted. */
  readonly onSkip?: (skipped: number, tick: number) => void;
  /**
   * Wake this many ms before each deadline and busy-wait the rest, so ticks start within
   * microseconds of their deadline instead of Node's millisecond timer granularity (which
   * alone costs ±1 ms of jitter). Costs about that many ms of CPU per tick, and on a machine
   * short of CPU the spinning thread gets preempted and jitter grows instead: measure with
   * `make bench-sip` (BENCH_PACER_SPIN_MS) before turning it on. Default {@link DEFAULT_SPIN_MS}.
   */
  readonly spinMs?: number;
}

/** Off by default: the busy-wait only pays on a machine with a core to spare. */
export const DEFAULT_SPIN_MS = 0;

export interface SubscribeOptions {
  /** Called if {@link Pacer.stop} ends the subscription (not on unsubscribe). */
  readonly onStop?: () => void;
}

/** A timer that fires this close before a deadline counts as on time. */
export const EARLY_TOLERANCE_MS = 0.5;

interface Subscription {
  readonly callback: (tick: number) => void;
  readonly onStop: (() => void) | undefined;
  active: boolean;
}

const realScheduler: PacerScheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class Pacer {
  readonly frameMs: number;
  private readonly clock: () => number;
  private readonly scheduler: PacerScheduler;
  private readonly maxBurst: number;
  private readonly onError: (error: unknown, tick: number) => void;
  private readonly onSkip: ((skipped: number, tick: number) => void) | undefined;
  private readonly spinMs: number;
  private readonly subscriptions = new Set<Subscription>();
  /** Snapshot iterated during a tick; rebuilt after (un)subscribing, so changes take effect at the next tick. */
  private snapshot: Subscription[] | undefined;
  private timer: unknown;
  private start = 0;
  private nextTick = 0;
  /** Incremented when a run starts, so a burst in progress stops if its run ended and a new one began. */
  private run = 0;

  constructor(options: PacerOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    if (!(this.frameMs > 0)) throw new RangeError(`frameMs must be positive, got ${this.frameMs}`);
    this.clock = options.now ?? (() => performance.now());
    this.scheduler = options.scheduler ?? realScheduler;
    this.maxBurst = Math.max(1, Math.floor(options.maxBurst ?? 5));
    this.onError = options.onError ?? this.warnOnce();
    this.onSkip = options.onSkip;
    this.spinMs = Math.max(0, options.spinMs ?? DEFAULT_SPIN_MS);
  }

  /** The pacer's clock (ms, monotonic); sessions time their events with it. */
  now(): number {
    return this.clock();
  }

  get subscribers(): number {
    return this.subscriptions.size;
  }

  /** Whether a timer is pending (only while there are subscribers). */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Calls `callback(tick)` on every tick from the next one on (tick numbers count from the
   * start of the current run and may jump after a stall). Returns the unsubscribe function
   * (idempotent); the last unsubscribe stops the timer.
   */
  subscribe(callback: (tick: number) => void, options: SubscribeOptions = {}): () => void {
    const subscription: Subscription = { callback, onStop: options.onStop, active: true };
    this.subscriptions.add(subscription);
    this.snapshot = undefined;
    if (this.subscriptions.size === 1 && this.timer === undefined) {
      this.run += 1;
      this.start = this.clock();
      this.nextTick = 0;
      this.schedule();
    }
    return () => this.remove(subscription);
  }

  /** Ends every subscription (calling their `onStop`) and clears the timer. The pacer can be subscribed to again. */
  stop(): void {
    const ended = [...this.subscriptions];
    for (const subscription of ended) subscription.active = false;
    this.subscriptions.clear();
    this.snapshot = undefined;
    this.clearTimer();
    for (const subscription of ended) {
      try {
        subscription.onStop?.();
      } catch (error) {
        this.onError(error, this.nextTick);
      }
    }
  }

  private warnOnce(): (error: unknown) => void {
    let warned = false;
    return (error) => {
      if (warned) return;
      warned = true;
      process.emitWarning(
        `a pacer subscriber threw (further errors are not reported): ${String(error)}`,
        'PacerWarning',
      );
    };
  }

  private remove(subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    this.subscriptions.delete(subscription);
    this.snapshot = undefined;
    if (this.subscriptions.size === 0) this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private deadline(): number {
    return this.start + this.nextTick * this.frameMs;
  }

  private schedule(): void {
    this.timer = this.scheduler.setTimeout(this.wake, Math.max(0, this.deadline() - this.spinMs - this.clock()));
  }

  private readonly wake = (): void => {
    this.timer = undefined;
    if (this.subscriptions.size === 0) return;
    if (this.spinMs > 0) {
      const deadline = this.deadline();
      let now = this.clock();
      // Woken too early for a short spin (timers are coarse): sleep again.
      if (deadline - now > this.spinMs + 1) return this.schedule();
      while (now < deadline) now = this.clock();
    }
    const due = Math.floor((this.clock() - this.start + EARLY_TOLERANCE_MS) / this.frameMs);
    if (due >= this.nextTick) {
      let first = this.nextTick;
      if (due - first + 1 > this.maxBurst) {
        first = due - this.maxBurst + 1;
        this.onSkip?.(first - this.nextTick, first);
      }
      // The next deadline moves on before emitting, so a subscriber that unsubscribes everyone
      // (clearing the timer) and a new one that restarts the run see consistent state.
      this.nextTick = due + 1;
      const run = this.run;
      for (let tick = first; tick <= due && this.run === run; tick += 1) this.emit(tick);
    }
    if (this.subscriptions.size > 0 && this.timer === undefined) this.schedule();
  };

  private emit(tick: number): void {
    this.snapshot ??= [...this.subscriptions];
    for (const subscription of this.snapshot) {
      if (!subscription.active) continue;
      try {
        subscription.callback(tick);
      } catch (error) {
        this.onError(error, tick);
      }
    }
  }
}
