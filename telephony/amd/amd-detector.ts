/**
 * Answering-machine detection over the callee's audio, as a pure state machine: 20 ms frames
 * of 8 kHz linear PCM in (what the media thread decodes from G.711), a verdict and the end
 * of the greeting out, each with its time in ms from the first frame (the answer).
 *
 * ```
 *  waiting ──voice 60 ms──▶ speaking ──silence ≥ afterGreetingSilence──▶ HUMAN (short_greeting)
 *     │                        ├──voice reaches greetingMs──────────────▶ MACHINE (long_greeting)
 *     │                        └──voice again after a pause ≥ 1 s──▶ second utterance
 *     │                              ├──it runs 2 s───────────────────▶ MACHINE (long_greeting)
 *     │                              └──then silence ≥ afterGreetingSilence▶ HUMAN (short_greeting)
 *     ├──no voice by initialSilenceMs─────────────────────────────────────▶ UNKNOWN (no_speech)
 *     ├──1100 Hz 0.5 s tone before any voice───────────────────────────────▶ MACHINE (fax)
 *     └──SIT / beep───────────────────────────────────────────────────────▶ MACHINE (sit / beep)
 *  any state at totalAnalysisMs without a verdict ────────────────────────▶ UNKNOWN (timeout)
 *
 *  after a machine or unknown verdict: beep ends → end (beep); quiet for endSilenceMs after
 *  the last sound → end (silence); maxWaitMs from the answer → end (timeout)
 * ```
 *
 * Voice activity is energy against an adaptive floor (the lowest frame level of the last
 * 1.5 s), with an absolute minimum, and once someone has spoken, against their own peak
 * level too (background speech 15 dB down is not the callee). Steady single tones are no
 * voice: a beep neither lengthens a greeting nor breaks the silence that ends it.
 * A lost frame ({@link AmdDetector.lost}) keeps the previous state.
 *
 * A pause is not called over while voice is starting (a run shorter than the 60 ms onset):
 * a greeting that resumes on the last frame of the wait is not a human. Voice after a pause
 * of 1 s or more, before any verdict, is a second utterance and is judged on its own (only
 * what was heard of the pause counts: a far end that stalls makes no pause): a
 * caller's second "Hello? Anyone there?" is short and followed by silence, the rest of a
 * voicemail greeting that paused runs on for seconds.
 *
 * Pick-up time counts too: people say hello within a second or so of answering, voicemail
 * greetings often start 2 s or more after the answer (Asterisk's AMD calls 2.5 s of initial
 * silence a machine outright). Voice that starts 2 s or later after the answer is a greeting
 * at greetingMs − 200 ms.
 */
import { BeepTracker, FRAME_MS, FRAME_SAMPLES, analyseToneFrame, isFaxTone, type Beep } from './tone-frame.js';

export type AmdClass = 'human' | 'machine' | 'unknown';
export type AmdCause = 'short_greeting' | 'long_greeting' | 'beep' | 'fax' | 'sit' | 'no_speech' | 'timeout';
export type AmdEndCause = 'beep' | 'silence' | 'timeout';

export interface AmdVerdict {
  readonly verdict: AmdClass;
  readonly cause: AmdCause;
  /** ms from the first frame (the answer) to the decision. */
  readonly atMs: number;
}

export interface AmdMessageEnd {
  readonly cause: AmdEndCause;
  /** ms from the first frame to the point where the message should start. */
  readonly atMs: number;
  readonly beep?: Beep;
}

export interface AmdSettings {
  /** No voice by then: `unknown` (no_speech). */
  readonly initialSilenceMs: number;
  /**
   * Voice this long without a pause of afterGreetingSilenceMs: `machine` (long_greeting);
   * 200 ms less when the voice starts 2 s or more after the answer.
   */
  readonly greetingMs: number;
  /** A pause this long after a shorter greeting: `human`. */
  readonly afterGreetingSilenceMs: number;
  /** No verdict by then: `unknown` (timeout). */
  readonly totalAnalysisMs: number;
  /** After a machine verdict, this much quiet ends the greeting when no beep comes. */
  readonly endSilenceMs: number;
  /** Longest wait for the greeting's end, from the answer. */
  readonly maxWaitMs: number;
  /**
   * After a human verdict, a beep up to this long after the answer (at most `maxWaitMs`) still
   * ends a greeting: a voicemail taken for a person, whose beep came after the call began its
   * message (the call starts the message again after the beep). 0: no listening after it.
   */
  readonly lateBeepMs: number;
  /**
   * Voice starting this late counts as a greeting 200 ms sooner (pick-up time; default 2 s).
   * Infinite where the clock does not start at a pick-up (the early-media detector's 183).
   */
  readonly lateStartMs?: number;
}

/** Defaults from the anchors: Asterisk/SignalWire/Twilio timings, tuned on `make bench-amd`. */
export const DEFAULT_AMD_SETTINGS: AmdSettings = Object.freeze({
  initialSilenceMs: 3500,
  greetingMs: 1500,
  afterGreetingSilenceMs: 800,
  totalAnalysisMs: 5000,
  endSilenceMs: 1200,
  maxWaitMs: 30_000,
  lateBeepMs: 20_000,
});

const ABSOLUTE_MIN_DB = -50;
const FLOOR_MARGIN_DB = 9;
/** Under 15 dB: a television 15 dB down, whose loud frames come near its speech level, stays out. */
const PEAK_MARGIN_DB = 13;
const FLOOR_FRAMES = 75;
/** The speaker's peak level falls back 1 dB/s, so one loud moment does not mute the rest. */
const PEAK_DECAY_DB = 0.02;
const ONSET_FRAMES = 3;
const LONG_OPENING_MS = 1000;
const LONG_OPENING_EXTRA_MS = 500;
/** Once the callee has spoken, voice after a pause must come within this of their peak. */
const RESUME_PEAK_MARGIN_DB = 9;
const RESUME_AFTER_MS = 200;
/** Voice starting this late after the answer is a greeting LATE_GREETING_CUT_MS sooner. */
const LATE_START_MS = 2000;
const LATE_GREETING_CUT_MS = 200;
/** A pause this long, before any verdict, makes the voice after it a second utterance. */
const SECOND_UTTERANCE_PAUSE_MS = 1000;
/** A second utterance this long is the rest of a greeting (second hellos are under 2 s). */
const SECOND_UTTERANCE_MS = 2000;
const SHORT_GREETING_MS = 3000;
const SHORT_GREETING_EXTRA_MS = 1300;

export type AmdEvent =
  { readonly kind: 'verdict'; readonly verdict: AmdVerdict } | { readonly kind: 'end'; readonly end: AmdMessageEnd };

export class AmdDetector {
  private readonly settings: AmdSettings;
  private readonly beeps = new BeepTracker();
  private readonly floorRing = new Float64Array(FLOOR_FRAMES).fill(Infinity);
  private readonly pending = new Int16Array(FRAME_SAMPLES);
  private pendingLength = 0;
  private frameIndex = 0;
  private peakDb = -Infinity;
  private runPeakDb = -Infinity;
  private lastDb = -120;
  private voicedRun = 0;
  private lastVoiced = false;
  private speechStartMs = -1;
  private lastVoiceEndMs = -1;
  private lastSoundEndMs = -1;
  /** Start of the voice after a pause of SECOND_UTTERANCE_PAUSE_MS, before any verdict. */
  private secondStartMs = -1;
  /** Lost frames in the current pause: a pause is only as long as what was heard of it. */
  private pauseLostMs = 0;
  private verdictValue: AmdVerdict | null = null;
  private endValue: AmdMessageEnd | null = null;

  constructor(settings: Partial<AmdSettings> = {}) {
    this.settings = { ...DEFAULT_AMD_SETTINGS, ...settings };
  }

  get verdict(): AmdVerdict | null {
    return this.verdictValue;
  }

  get messageEnd(): AmdMessageEnd | null {
    return this.endValue;
  }

  /**
   * Whether more events may come: no greeting end yet, and after a human verdict only until
   * the late-beep limit.
   */
  get listening(): boolean {
    return (
      this.endValue === null && !(this.verdictValue?.verdict === 'human' && this.elapsedMs >= this.lateBeepLimitMs())
    );
  }

  private lateBeepLimitMs(): number {
    return Math.min(this.settings.lateBeepMs, this.settings.maxWaitMs);
  }

  /** ms of audio seen so far. */
  get elapsedMs(): number {
    return this.frameIndex * FRAME_MS;
  }

  /** Feeds samples of any length; returns the events they completed. */
  write(samples: Int16Array): AmdEvent[] {
    const events: AmdEvent[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(FRAME_SAMPLES - this.pendingLength, samples.length - offset);
      this.pending.set(samples.subarray(offset, offset + take), this.pendingLength);
      this.pendingLength += take;
      offset += take;
      if (this.pendingLength === FRAME_SAMPLES) {
        this.pendingLength = 0;
        this.step(this.pending, events);
      }
    }
    return events;
  }

  /** A frame that never arrived (RTP loss): keeps the state, moves the clock. */
  lost(events: AmdEvent[] = []): AmdEvent[] {
    this.step(null, events);
    return events;
  }

  private step(frame: Int16Array | null, events: AmdEvent[]): void {
    const index = this.frameIndex;
    this.frameIndex += 1;
    const endMs = this.frameIndex * FRAME_MS;
    let energy = 0;
    if (frame) for (let i = 0; i < frame.length; i += 1) energy += frame[i] * frame[i];
    const lostFrame = frame === null;
    let voiced = this.lastVoiced;
    let sound = voiced;
    if (!lostFrame) {
      const db = energy > 0 ? 10 * Math.log10(energy / FRAME_SAMPLES / (32768 * 32768)) : -120;
      this.lastDb = db;
      this.floorRing[index % FLOOR_FRAMES] = db;
      let floor = Infinity;
      for (const level of this.floorRing) floor = Math.min(floor, level);
      this.peakDb -= PEAK_DECAY_DB;
      const threshold = Math.max(ABSOLUTE_MIN_DB, floor + FLOOR_MARGIN_DB, this.peakDb - PEAK_MARGIN_DB);
      sound = db > Math.max(ABSOLUTE_MIN_DB, floor + FLOOR_MARGIN_DB);
      const tone = sound ? analyseToneFrame(frame, energy) : null;
      const isTone = tone !== null && tone.purity >= 0.82 && tone.steady;
      voiced = db > threshold && !isTone;
      if (voiced && this.voicedRun >= ONSET_FRAMES - 1) this.peakDb = Math.max(this.peakDb, db);
      const signal = this.beeps.push(index, tone ?? { hz: 0, purity: 0, steady: false });
      if (signal) this.onTone(signal.kind === 'beep' ? signal.beep : null, endMs, events);
    }
    this.lastVoiced = voiced;
    if (lostFrame && !voiced) this.pauseLostMs += FRAME_MS;
    this.voicedRun = voiced ? this.voicedRun + 1 : 0;
    this.runPeakDb = voiced ? Math.max(this.voicedRun === 1 ? -Infinity : this.runPeakDb, this.lastDb) : -Infinity;
    if (sound) this.lastSoundEndMs = endMs;
    if (this.voicedRun >= ONSET_FRAMES && this.resumes(endMs)) {
      const runStartMs = endMs - this.voicedRun * FRAME_MS;
      if (this.speechStartMs < 0) this.speechStartMs = runStartMs;
      else if (
        this.verdictValue === null &&
        this.secondStartMs < 0 &&
        runStartMs - this.lastVoiceEndMs - this.pauseLostMs >= SECOND_UTTERANCE_PAUSE_MS
      )
        this.secondStartMs = runStartMs;
      this.lastVoiceEndMs = endMs;
      this.pauseLostMs = 0;
    }
    this.decide(endMs, events);
  }

  /** Voice after a pause counts only when it is as loud as the callee (not a TV behind them). */
  private resumes(nowMs: number): boolean {
    if (this.speechStartMs < 0 || nowMs - this.voicedRun * FRAME_MS - this.lastVoiceEndMs < RESUME_AFTER_MS)
      return true;
    return this.runPeakDb >= this.peakDb - RESUME_PEAK_MARGIN_DB;
  }

  private onTone(beep: Beep | null, nowMs: number, events: AmdEvent[]): void {
    // After a human verdict only a beep counts, and only until the late-beep limit.
    if (this.verdictValue?.verdict === 'human' && (beep === null || nowMs > this.lateBeepLimitMs())) return;
    if (beep === null) {
      this.setVerdict('machine', 'sit', nowMs, events);
      return;
    }
    if (this.speechStartMs < 0 && isFaxTone(beep)) {
      this.setVerdict('machine', 'fax', nowMs, events);
      return;
    }
    this.setVerdict('machine', 'beep', nowMs, events);
    this.setEnd({ cause: 'beep', atMs: nowMs, beep }, events);
  }

  private decide(nowMs: number, events: AmdEvent[]): void {
    const s = this.settings;
    if (this.verdictValue === null) {
      this.classify(nowMs, events);
      if (this.verdictValue === null && nowMs >= s.totalAnalysisMs)
        this.setVerdict('unknown', 'timeout', nowMs, events);
      return;
    }
    if (this.endValue !== null || this.verdictValue.verdict === 'human') return;
    // A greeting shorter than 3 s that pauses is more likely pausing mid-way (1.2-2.4 s,
    // Twilio's guidance) than finished: wait longer before starting the message.
    const spoken = this.speechStartMs < 0 ? 0 : this.lastVoiceEndMs - this.speechStartMs;
    const endSilence =
      spoken > 0 && spoken < SHORT_GREETING_MS ? s.endSilenceMs + SHORT_GREETING_EXTRA_MS : s.endSilenceMs;
    if (nowMs - Math.max(this.lastSoundEndMs, 0) >= endSilence) {
      this.setEnd({ cause: 'silence', atMs: nowMs }, events);
    } else if (nowMs >= s.maxWaitMs) {
      this.setEnd({ cause: 'timeout', atMs: nowMs }, events);
    }
  }

  private classify(nowMs: number, events: AmdEvent[]): void {
    const s = this.settings;
    // Voice starting (a run not yet an onset) keeps the pause from being called over.
    const pauseOver = (silenceMs: number): boolean =>
      nowMs - this.lastVoiceEndMs >= silenceMs && (this.voicedRun === 0 || this.voicedRun >= ONSET_FRAMES);
    if (this.speechStartMs < 0) {
      if (nowMs >= s.initialSilenceMs) this.setVerdict('unknown', 'no_speech', nowMs, events);
    } else if (this.secondStartMs >= 0) {
      if (this.lastVoiceEndMs - this.secondStartMs >= SECOND_UTTERANCE_MS)
        this.setVerdict('machine', 'long_greeting', nowMs, events);
      else if (pauseOver(s.afterGreetingSilenceMs)) this.setVerdict('human', 'short_greeting', nowMs, events);
    } else if (this.lastVoiceEndMs - this.speechStartMs >= this.greetingMs()) {
      this.setVerdict('machine', 'long_greeting', nowMs, events);
    } else if (pauseOver(this.afterGreetingSilence())) {
      this.setVerdict('human', 'short_greeting', nowMs, events);
    }
  }

  private greetingMs(): number {
    const s = this.settings;
    return this.speechStartMs >= (s.lateStartMs ?? LATE_START_MS) ? s.greetingMs - LATE_GREETING_CUT_MS : s.greetingMs;
  }

  /**
   * A pause ends a short opening ("Hello?") after afterGreetingSilenceMs; after a longer one
   * (over 1 s, like a voicemail's "Hi, you've reached Sam.") it takes longer, since short
   * personal greetings pause 1.2-2.4 s before going on (Twilio's guidance).
   */
  private afterGreetingSilence(): number {
    const spoken = this.lastVoiceEndMs - this.speechStartMs;
    return spoken > LONG_OPENING_MS
      ? this.settings.afterGreetingSilenceMs + LONG_OPENING_EXTRA_MS
      : this.settings.afterGreetingSilenceMs;
  }

  private setVerdict(verdict: AmdClass, cause: AmdCause, atMs: number, events: AmdEvent[]): void {
    if (this.verdictValue !== null) return;
    this.verdictValue = { verdict, cause, atMs };
    events.push({ kind: 'verdict', verdict: this.verdictValue });
  }

  private setEnd(end: AmdMessageEnd, events: AmdEvent[]): void {
    if (this.endValue !== null) return;
    this.endValue = end;
    events.push({ kind: 'end', end });
  }
}
