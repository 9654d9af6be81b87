/**
 * One clock for every live call: a shared pacer that ticks every `frameMs` (20 ms) and calls
 * each subscriber once per tick, so a thousand calls cost one timer, not a thousand.
 *
 * Timing (the part that matters for RTP):
 * - Tick `k` of a run is due at `start + k × frameMs` on a monotonic clock
 *   (`performance.now()`), `start` being when the first subscriber arrived. Every sleep is
 *   computed from that schedule, never chained (`setTimeout(20)` would add each wake-up's
 *   lateness to all later ticks and drift). Tick 0 is due at once.
 * - Phases: the frame is split into `phases` equal slots, and each subscriber belongs to one
 *   of them (the one with fewest subscribers when it arrived). Phase `p`'s subscribers get
 *   tick `k` at `start + k × frameMs + p × frameMs / phases`: every subscriber still gets one
 *   tick per frame on a fixed grid, but a thousand calls send in several short bursts
 *   spread over the frame instead of one long one. A long burst is what makes the last
 *   packets of a tick late whenever the burst runs slower than the one before (the host
 *   took the CPU away, a cache went cold); a short one has less to stretch, and a stall
 *   of the process hits the phases due during it, not every call.
 * - Node's own timers run on the event loop's millisecond clock and fire anywhere from a
 *   millisecond early to half a millisecond late, about a millisecond of jitter on their
 *   own. A slot within {@link EARLY_TOLERANCE_MS} of its deadline is emitted rather than
 *   slept for again, which would cost more than the error. With a `ClockThread`
 *   (clock-thread.ts) as the scheduler, slots start 0.1–0.2 ms after their deadline,
 *   without blocking the event loop (the worker's default).
 * - Late (event loop blocked, GC): the missed slots are emitted immediately, back to back,
 *   so senders keep their RTP timestamps and sequence numbers in step with wall time. At
 *   most `maxBurst` ticks (default 5, 100 ms of audio) are caught up at once; older missed
 *   ticks are skipped and the tick numbers jump accordingly, so a subscriber can see the gap
 *   (the RTP session advances its timestamp over it and sets the marker bit) and `onSkip`
 *   reports it.
 *
 * Lifecycle: the timer exists only while there are subscribers. When the last one leaves,
 * the timer is cleared (nothing keeps the process alive); the next subscriber starts a new
 * run with tick numbers from 0. Slots of phases without subscribers are not woken for.
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
  /** Default Node's timers; a `ClockThread` (clock-thread.ts) for sub-millisecond timing. */
  readonly scheduler?: PacerScheduler;
  /** Most ticks caught up back to back after a stall; default 5. */
  readonly maxBurst?: number;
  /**
   * A subscriber threw; the tick continues with the next one. Default: one process warning
   * for the first error (pass a handler that logs each).
   */
  readonly onError?: (error: unknown, tick: number) => void;
  /** The pacer was so late that about `skipped` ticks per subscriber were dropped rather than emitted. */
  readonly onSkip?: (skipped: number, tick: number) => void;
  /** Slots per frame that subscribers are spread over (see the module notes); default 1. */
  readonly phases?: number;
}

export interface SubscribeOptions {
  /** Called if {@link Pacer.stop} ends the subscription (not on unsubscribe). */
  readonly onStop?: () => void;
}

/** A timer that fires this close before a deadline counts as on time. */
export const EARLY_TOLERANCE_MS = 0.5;

interface Subscription {
  readonly callback: (tick: number) => void;
  readonly onStop: (() => void) | undefined;
  readonly phase: Phase;
  active: boolean;
}

interface Phase {
  readonly members: Set<Subscription>;
  /** Iterated during a slot; rebuilt after (un)subscribing, so changes take effect at the phase's next slot. */
  snapshot: Subscription[] | undefined;
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
  private readonly phases: Phase[];
  private readonly slotMs: number;
  private timer: unknown;
  private start = 0;
  /** The next slot to emit: slot `s` is phase `s mod phases`'s tick `floor(s / phases)`. */
  private nextSlot = 0;
  /** Incremented when a run starts, so a burst in progress stops if its run ended and a new one began. */
  private run = 0;

  constructor(options: PacerOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    if (!(this.frameMs > 0)) throw new RangeError(`frameMs must be positive, got ${this.frameMs}`);
    const phases = options.phases ?? 1;
    if (!Number.isInteger(phases) || phases < 1)
      throw new RangeError(`phases must be a positive integer, got ${phases}`);
    this.phases = Array.from({ length: phases }, () => ({ members: new Set<Subscription>(), snapshot: undefined }));
    this.slotMs = this.frameMs / phases;
    this.clock = options.now ?? (() => performance.now());
    this.scheduler = options.scheduler ?? realScheduler;
    this.maxBurst = Math.max(1, Math.floor(options.maxBurst ?? 5));
    this.onError = options.onError ?? this.warnOnce();
    this.onSkip = options.onSkip;
  }

  /** The pacer's clock (ms, monotonic); sessions time their events with it. */
  now(): number {
    return this.clock();
  }

  get subscribers(): number {
    let count = 0;
    for (const phase of this.phases) count += phase.members.size;
    return count;
  }

  /** Subscribers per phase, in phase order. */
  get phaseSizes(): number[] {
    return this.phases.map((phase) => phase.members.size);
  }

  /** Whether a timer is pending (only while there are subscribers). */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Calls `callback(tick)` once per frame from its phase's next slot on (tick numbers count
   * from the start of the current run and may jump after a stall). Returns the unsubscribe
   * function (idempotent); the last unsubscribe stops the timer.
   */
  subscribe(callback: (tick: number) => void, options: SubscribeOptions = {}): () => void {
    const phase = this.phases.reduce((least, candidate) =>
      candidate.members.size < least.members.size ? candidate : least,
    );
    const subscription: Subscription = { callback, onStop: options.onStop, phase, active: true };
    phase.members.add(subscription);
    phase.snapshot = undefined;
    if (this.subscribers === 1 && this.timer === undefined) {
      this.run += 1;
      this.start = this.clock();
      this.nextSlot = 0;
    }
    // The first subscriber of a phase may be due before the slot the timer waits for.
    if (phase.members.size === 1) {
      this.clearTimer();
      this.schedule();
    }
    return () => this.remove(subscription);
  }

  /** Ends every subscription (calling their `onStop`) and clears the timer. The pacer can be subscribed to again. */
  stop(): void {
    const ended = this.phases.flatMap((phase) => [...phase.members]);
    for (const subscription of ended) subscription.active = false;
    for (const phase of this.phases) {
      phase.members.clear();
      phase.snapshot = undefined;
    }
    this.clearTimer();
    for (const subscription of ended) {
      try {
        subscription.onStop?.();
      } catch (error) {
        this.onError(error, this.tickOf(this.nextSlot));
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
    subscription.phase.members.delete(subscription);
    subscription.phase.snapshot = undefined;
    if (this.subscribers === 0) this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tickOf(slot: number): number {
    return Math.floor(slot / this.phases.length);
  }

  private deadlineOf(slot: number): number {
    return this.start + slot * this.slotMs;
  }

  /** The first slot from `nextSlot` on whose phase has subscribers (there is one within a frame). */
  private nextBusySlot(): number {
    let slot = this.nextSlot;
    while (this.phases[slot % this.phases.length].members.size === 0) slot += 1;
    return slot;
  }

  private schedule(): void {
    const deadline = this.deadlineOf(this.nextBusySlot());
    this.timer = this.scheduler.setTimeout(this.wake, Math.max(0, deadline - this.clock()));
  }

  private readonly wake = (): void => {
    this.timer = undefined;
    if (this.subscribers === 0) return;
    const due = Math.floor((this.clock() - this.start + EARLY_TOLERANCE_MS) / this.slotMs);
    if (due >= this.nextSlot) {
      let first = this.nextSlot;
      const limit = this.maxBurst * this.phases.length;
      if (due - first + 1 > limit) {
        first = due - limit + 1;
        this.onSkip?.(this.tickOf(first) - this.tickOf(this.nextSlot), this.tickOf(first));
      }
      // The next deadline moves on before emitting, so a subscriber that unsubscribes everyone
      // (clearing the timer) and a new one that restarts the run see consistent state.
      this.nextSlot = due + 1;
      const run = this.run;
      for (let slot = first; slot <= due && this.run === run; slot += 1) this.emit(slot);
    }
    if (this.subscribers > 0 && this.timer === undefined) this.schedule();
  };

  private emit(slot: number): void {
    const phase = this.phases[slot % this.phases.length];
    if (phase.members.size === 0) return;
    const tick = this.tickOf(slot);
    phase.snapshot ??= [...phase.members];
    for (const subscription of phase.snapshot) {
      if (!subscription.active) continue;
      try {
        subscription.callback(tick);
      } catch (error) {
        this.onError(error, tick);
      }
    }
  }
}
