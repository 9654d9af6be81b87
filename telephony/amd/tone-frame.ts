/**
 * Single-tone analysis of one 20 ms frame (160 samples at 8 kHz) and the beep tracker built
 * on it. A voicemail beep is one steady sine between 400 and 2000 Hz; what must not count
 * as one: speech (harmonics), DTMF and other dual tones (two peaks), NANP ringback
 * 440+480 Hz (one apparent peak at 460 Hz whose envelope beats at 40 Hz), SIT (three single
 * tones in a row at different pitches) and music (chords, decaying notes).
 *
 * Cost: one zero-crossing pass and three Goertzel passes over 160 samples per voiced frame,
 * a few hundred multiply-adds; silent frames are skipped by the caller.
 */

export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;
const SAMPLE_RATE = 8000;

/** What one frame says about a tone. `hz` is 0 when the frame is no tone at all. */
export interface ToneFrame {
  readonly hz: number;
  /** Share of the frame's energy at `hz` (1 for a clean sine). */
  readonly purity: number;
  /** Whether the 5 ms sub-block levels stay within a factor of 1.6 (beating tones do not). */
  readonly steady: boolean;
}

const NO_TONE: ToneFrame = { hz: 0, purity: 0, steady: false };

/** Frequency from the interpolated first and last zero crossing: exact for a clean sine. */
function zeroCrossingHz(frame: Int16Array): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 0; i + 1 < frame.length; i += 1) {
    const a = frame[i];
    const b = frame[i + 1];
    if ((a < 0 && b >= 0) || (a >= 0 && b < 0)) {
      const at = i + a / (a - b);
      if (first < 0) first = at;
      last = at;
      count += 1;
    }
  }
  if (count < 3 || last <= first) return 0;
  return ((count - 1) / 2) * (SAMPLE_RATE / (last - first));
}

function goertzel(frame: Int16Array, hz: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < frame.length; i += 1) {
    const s0 = frame[i] + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

function steadyEnvelope(frame: Int16Array): boolean {
  const block = frame.length / 4;
  let min = Infinity;
  let max = 0;
  for (let b = 0; b < 4; b += 1) {
    let sum = 0;
    for (let i = b * block; i < (b + 1) * block; i += 1) sum += frame[i] * frame[i];
    min = Math.min(min, sum);
    max = Math.max(max, sum);
  }
  // Energy ratio 2.56 = level ratio 1.6.
  return max > 0 && min * 2.56 >= max;
}

/** Tone analysis of one frame; `energy` is the frame's sum of squares (the caller has it). */
export function analyseToneFrame(frame: Int16Array, energy: number): ToneFrame {
  if (energy <= 0) return NO_TONE;
  const hz = zeroCrossingHz(frame);
  if (hz < 300 || hz > 2200) return NO_TONE;
  const norm = (frame.length * energy) / 2;
  const purity = Math.max(goertzel(frame, hz), goertzel(frame, hz - 8), goertzel(frame, hz + 8)) / norm;
  return { hz, purity: Math.min(purity, 1), steady: steadyEnvelope(frame) };
}

/** A beep the tracker found, in ms from the first frame it was given. */
export interface Beep {
  readonly startMs: number;
  readonly endMs: number;
  readonly hz: number;
}

/**
 * What a finished tone was: a beep (one steady tone, or two back to back), or a SIT (three
 * or more). A lone 1100 Hz tone of about 0.5 s is also what a fax calls with (CNG): the
 * detector tells the two apart by whether anyone spoke before it ({@link isFaxTone}).
 */
export type ToneSignal = { readonly kind: 'beep'; readonly beep: Beep } | { readonly kind: 'sit' };

/** Fax calling tone (CNG): 1100 Hz ±38 Hz, on for 0.5 s. */
export function isFaxTone(beep: Beep): boolean {
  const ms = beep.endMs - beep.startMs;
  return Math.abs(beep.hz - 1100) <= 40 && ms >= 380 && ms <= 700;
}

export interface BeepTrackerOptions {
  /** Shortest beep, default 100 ms (the survey's beeps are 150-1500 ms; frames cut the edges). */
  readonly minMs?: number;
  /** Longest beep, default 4000 ms. */
  readonly maxMs?: number;
  readonly minHz?: number;
  readonly maxHz?: number;
}

interface Segment {
  startFrame: number;
  frames: number;
  hzSum: number;
  /** The last frame's frequency, and the range the segment has covered. */
  lastHz: number;
  lowHz: number;
  highHz: number;
}

const MIN_PURITY = 0.82;
/** A frame continues a tone within this of the tone's mean so far (one frame's estimate jitters). */
const HZ_TOLERANCE = 18;
/**
 * Or within this of the frame before, while the whole tone stays within MAX_DRIFT_HZ: an
 * oscillator that drifts slowly (a cheap answering machine, a tone shifted by the line)
 * is still one beep. SIT and chirps step by 400 Hz and more; a fast sweep (a siren, a
 * glide in music) moves over 30 Hz a frame.
 */
const HZ_STEP_TOLERANCE = 12;
const MAX_DRIFT_HZ = 120;

function continues(segment: Segment, hz: number): boolean {
  if (Math.abs(hz - segment.hzSum / segment.frames) <= HZ_TOLERANCE) return true;
  return (
    Math.abs(hz - segment.lastHz) <= HZ_STEP_TOLERANCE &&
    Math.max(segment.highHz, hz) - Math.min(segment.lowHz, hz) <= MAX_DRIFT_HZ
  );
}

/**
 * Follows tone frames and reports a beep when its tone ends. Two tone segments back to back
 * (a two-tone chirp) make one beep; three or more (SIT: 913.8, 1370.6, 1776.7 Hz) are no beep.
 */
export class BeepTracker {
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private readonly minHz: number;
  private readonly maxHz: number;
  private current: Segment | null = null;
  private chain: Segment[] = [];
  private gapFrames = 0;

  constructor(options: BeepTrackerOptions = {}) {
    this.minFrames = Math.max(1, Math.floor((options.minMs ?? 100) / FRAME_MS));
    this.maxFrames = Math.ceil((options.maxMs ?? 4000) / FRAME_MS);
    this.minHz = options.minHz ?? 380;
    this.maxHz = options.maxHz ?? 2050;
  }

  /** Feeds frame number `index` (consecutive); returns a signal on the frame a tone ends. */
  push(index: number, tone: ToneFrame): ToneSignal | null {
    const isTone = tone.hz >= this.minHz && tone.hz <= this.maxHz && tone.purity >= MIN_PURITY && tone.steady;
    const current = this.current;
    if (isTone && current && continues(current, tone.hz)) {
      current.frames += 1;
      current.hzSum += tone.hz;
      current.lastHz = tone.hz;
      current.lowHz = Math.min(current.lowHz, tone.hz);
      current.highHz = Math.max(current.highHz, tone.hz);
      if (current.frames > this.maxFrames) this.reset();
      return null;
    }
    let signal: ToneSignal | null = null;
    if (current) {
      if (current.frames >= this.minFrames) this.chain.push(current);
      this.current = null;
    }
    if (isTone) {
      // A new tone right after another one continues a chain (chirp or SIT).
      if (this.chain.length > 0 && this.gapFrames > 1) this.chain = [];
      this.current = {
        startFrame: index,
        frames: 1,
        hzSum: tone.hz,
        lastHz: tone.hz,
        lowHz: tone.hz,
        highHz: tone.hz,
      };
      this.gapFrames = 0;
      return null;
    }
    this.gapFrames += 1;
    // One non-tone frame is allowed inside a chirp; the chain ends after the second.
    if (this.chain.length > 0 && this.gapFrames === 2) {
      signal = this.classify(this.chain);
      this.chain = [];
    }
    return signal;
  }

  private classify(chain: readonly Segment[]): ToneSignal | null {
    if (chain.length >= 3) return { kind: 'sit' };
    const first = chain[0];
    const last = chain[chain.length - 1];
    const hz = first.hzSum / first.frames;
    return {
      kind: 'beep',
      beep: {
        startMs: first.startFrame * FRAME_MS,
        endMs: (last.startFrame + last.frames) * FRAME_MS,
        hz: Math.round(hz),
      },
    };
  }

  private reset(): void {
    this.current = null;
    this.chain = [];
  }
}
