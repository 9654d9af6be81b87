/**
 * Answering-machine detection that starts on 183 early media: some carriers play the
 * voicemail greeting (and even its beep) before they answer, so by the 200 OK the greeting
 * is half over or gone, and a detector started at the answer hears only its tail.
 *
 * ```
 *  183 with SDP ─▶ early detector (no time limits) on the early audio
 *     │   human verdict (a short carrier phrase) or a beep under 500 Hz (ringback) ─▶ start it again
 *     │   machine verdict (greeting long enough, beep, SIT, fax) ─▶ kept for the answer
 *  200 OK ─▶ machine already heard: MACHINE (early_media) at 0 ms; its greeting end (beep,
 *     │         silence) if it was heard, else the early detector goes on looking for it
 *     └───▶ otherwise the ordinary detector starts (as without early media) and the early
 *           one goes on beside it: a machine verdict from the early one first, made by audio
 *           before the answer (a greeting begun before it reaches its length sooner than one
 *           begun at the answer could; a beep begun before it), is MACHINE (early_media);
 *           any verdict from the ordinary one first wins, and the early one stops
 * ```
 *
 * Every time reported counts from the answer: a verdict already reached is at 0 ms, a
 * greeting that ended before the answer ends at 0 ms (the message can start at once), and a
 * beep heard before the answer has a negative `endMs`. The early detector has no time limits
 * of its own (ringing lasts as long as it lasts); after the answer the ordinary detector's
 * limits apply, and the wait for the greeting's end stops at `maxWaitMs` from the answer.
 *
 * Ringback in early media is not a greeting: the detector hears the dual tones of North
 * America and the UK as no voice or as a short phrase (which restarts it), and the single
 * 400–450 Hz tones of Europe as a beep, which here is refused under {@link RINGBACK_MAX_HZ}.
 */
import type { G711Codec } from '../media/g711.js';
import { AmdFeed } from './amd-feed.js';
import {
  DEFAULT_AMD_SETTINGS,
  type AmdCause,
  type AmdEvent,
  type AmdMessageEnd,
  type AmdSettings,
  type AmdVerdict,
} from './amd-detector.js';

/** A verdict's cause on a call: the detector's, or `early_media` when audio before the answer decided it. */
export type MachineDetectionCause = AmdCause | 'early_media';

export interface CallAmdVerdict extends Omit<AmdVerdict, 'cause'> {
  readonly cause: MachineDetectionCause;
}

/** What a call's detection reports, times in ms from the answer. */
export type CallAmdEvent =
  | { readonly kind: 'verdict'; readonly verdict: CallAmdVerdict }
  | { readonly kind: 'end'; readonly end: AmdMessageEnd };

/** A "beep" in early media below this is a European ringback tone (400–450 Hz), not a voicemail's. */
export const RINGBACK_MAX_HZ = 500;

/** How much sooner than a greeting begun at the answer the early detector must decide to have heard it begin before. */
const ONSET_MARGIN_MS = 100;

/** The early detector waits for evidence only: ringing may last a minute. */
const NO_LIMITS: Partial<AmdSettings> = {
  initialSilenceMs: Number.POSITIVE_INFINITY,
  totalAnalysisMs: Number.POSITIVE_INFINITY,
  maxWaitMs: Number.POSITIVE_INFINITY,
  // A phrase before the answer is heard afresh; a late beep is the ordinary detector's.
  lateBeepMs: 0,
  // Its clock starts at the 183, not at a pick-up: how late a voice starts says nothing.
  lateStartMs: Number.POSITIVE_INFINITY,
};

export class EarlyMediaAmd {
  private readonly maxWaitMs: number;
  private readonly greetingMs: number;
  private early: AmdFeed | undefined;
  /** Where the early detector's times count from. */
  private earlyStart: number;
  private earlyEvents: AmdEvent[] = [];
  private earlyVerdict: AmdVerdict | undefined;
  private earlyEnd: AmdMessageEnd | undefined;
  private ordinary: AmdFeed | undefined;
  private ordinaryEvents: AmdEvent[] = [];
  private answerAt: number | undefined;
  private decidedBy: 'early' | 'ordinary' | undefined;
  private ended = false;
  /** A new SSRC (a gateway that restarts its stream at the answer) continues the timestamps. */
  private ssrc: number | undefined;
  private timestampShift = 0;
  private lastTimestamp = 0;
  private lastArrival = 0;

  constructor(
    private readonly settings: Partial<AmdSettings>,
    nowMs: number,
    private readonly emit: (event: CallAmdEvent) => void,
  ) {
    this.maxWaitMs = settings.maxWaitMs ?? DEFAULT_AMD_SETTINGS.maxWaitMs;
    this.greetingMs = settings.greetingMs ?? DEFAULT_AMD_SETTINGS.greetingMs;
    this.earlyStart = nowMs;
    this.early = this.earlyFeed(nowMs);
  }

  /** Whether all is said: a human verdict, or a machine's greeting end (or its give-up). */
  get done(): boolean {
    if (this.decidedBy === 'ordinary') return this.ordinary?.done ?? true;
    return this.ended;
  }

  /** The 200 OK, on the clock packets are timed on. Events flow from here on. */
  answered(nowMs: number): void {
    if (this.answerAt !== undefined) return;
    this.answerAt = nowMs;
    if (this.earlyVerdict) {
      this.decide('early', nowMs);
      return;
    }
    this.ordinary = new AmdFeed(this.settings, nowMs, (event) => this.ordinaryEvents.push(event));
  }

  packet(timestamp: number, payload: Uint8Array, law: G711Codec, nowMs: number, ssrc: number): void {
    const continued = this.continueStream(timestamp, ssrc, nowMs);
    this.early?.packet(continued, payload, law, nowMs);
    this.ordinary?.packet(continued, payload, law, nowMs);
    this.settle(nowMs);
  }

  /** The clock: frames that never came are lost; the give-up time for a greeting's end. */
  tick(nowMs: number): void {
    this.early?.tick(nowMs);
    this.ordinary?.tick(nowMs);
    this.settle(nowMs);
    if (this.decidedBy === 'early' && !this.ended && nowMs - this.answerAt! >= this.maxWaitMs) {
      this.endWith({ cause: 'timeout', atMs: this.maxWaitMs });
    }
  }

  private earlyFeed(nowMs: number): AmdFeed {
    this.earlyStart = nowMs;
    return new AmdFeed({ ...this.settings, ...NO_LIMITS }, nowMs, (event) => this.earlyEvents.push(event));
  }

  private continueStream(timestamp: number, ssrc: number, nowMs: number): number {
    if (this.ssrc !== undefined && ssrc !== this.ssrc) {
      const expected = this.lastTimestamp + Math.round((nowMs - this.lastArrival) * 8);
      this.timestampShift = (expected - timestamp) | 0;
    }
    this.ssrc = ssrc;
    this.lastTimestamp = (timestamp + this.timestampShift) >>> 0;
    this.lastArrival = nowMs;
    return this.lastTimestamp;
  }

  /** The ordinary detector's events first: on a tie, the call is decided as without early media. */
  private settle(nowMs: number): void {
    if (this.ordinaryEvents.length > 0) {
      const events = this.ordinaryEvents;
      this.ordinaryEvents = [];
      this.onOrdinary(events);
    }
    if (this.earlyEvents.length > 0) {
      const events = this.earlyEvents;
      this.earlyEvents = [];
      this.onEarly(events, nowMs);
    }
  }

  private onEarly(events: readonly AmdEvent[], nowMs: number): void {
    for (const event of events) {
      if (event.kind === 'verdict') {
        const { verdict } = event;
        if (verdict.verdict !== 'machine' || isRingback(verdict, events)) return this.restartEarly(nowMs);
        if (this.answerAt !== undefined && !this.heardBeforeAnswer(verdict, events)) return this.restartEarly(nowMs);
        this.earlyVerdict = verdict;
        if (this.answerAt !== undefined && this.decidedBy === undefined) this.decide('early', nowMs);
      } else {
        this.earlyEnd = event.end;
        if (this.decidedBy === 'early') this.endWith(this.fromAnswer(event.end));
      }
    }
  }

  /**
   * After the answer the early detector hears what the ordinary one hears; its verdict is
   * early media's only when audio before the answer made it: a greeting that reached its
   * length sooner than one begun at the answer could, or a beep that began before it.
   */
  private heardBeforeAnswer(verdict: AmdVerdict, events: readonly AmdEvent[]): boolean {
    const sinceAnswer = verdict.atMs - (this.answerAt! - this.earlyStart);
    if (verdict.cause === 'long_greeting') return sinceAnswer + ONSET_MARGIN_MS < this.greetingMs;
    const end = events.find((e) => e.kind === 'end');
    if (verdict.cause !== 'beep' || end?.kind !== 'end' || !end.end.beep) return false;
    return end.end.beep.startMs < this.answerAt! - this.earlyStart;
  }

  private onOrdinary(events: readonly AmdEvent[]): void {
    for (const event of events) {
      if (this.decidedBy === 'early') return;
      if (event.kind === 'verdict' && this.decidedBy === undefined) {
        this.decidedBy = 'ordinary';
        this.early = undefined;
      }
      this.emit(event);
      if (event.kind === 'end') this.ended = true;
    }
  }

  /** A phrase or ringback before the answer is no greeting: listen afresh (after the answer: stop listening early). */
  private restartEarly(nowMs: number): void {
    this.earlyVerdict = undefined;
    this.earlyEnd = undefined;
    this.early = this.answerAt === undefined ? this.earlyFeed(nowMs) : undefined;
  }

  private decide(by: 'early', nowMs: number): void {
    this.decidedBy = by;
    this.ordinary = undefined;
    this.emit({
      kind: 'verdict',
      verdict: { verdict: 'machine', cause: 'early_media', atMs: Math.max(0, nowMs - this.answerAt!) },
    });
    if (this.earlyEnd) this.endWith(this.fromAnswer(this.earlyEnd));
  }

  private endWith(end: AmdMessageEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.early = undefined;
    this.emit({ kind: 'end', end });
  }

  /** An early detector's end on the answer's clock: the message can start no sooner than the answer. */
  private fromAnswer(end: AmdMessageEnd): AmdMessageEnd {
    const shift = this.answerAt! - this.earlyStart;
    return {
      cause: end.cause,
      atMs: Math.max(0, end.atMs - shift),
      ...(end.beep ? { beep: { ...end.beep, startMs: end.beep.startMs - shift, endMs: end.beep.endMs - shift } } : {}),
    };
  }
}

/** A beep verdict whose tone is a European ringback's pitch. */
function isRingback(verdict: AmdVerdict, events: readonly AmdEvent[]): boolean {
  if (verdict.cause !== 'beep') return false;
  const end = events.find((e) => e.kind === 'end');
  return end?.kind === 'end' && end.end.beep !== undefined && end.end.beep.hz < RINGBACK_MAX_HZ;
}
