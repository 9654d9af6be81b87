/**
 * The baseline `make bench-amd` scores our detector against: Asterisk's `AMD()` as its
 * documentation describes it (parameters and what each decides), re-implemented here from
 * that description, not from its GPL source. 20 ms frames; a frame is silent when its mean
 * absolute sample value is below `silenceThreshold`.
 *
 * Documented parameters and defaults (amd.conf sample): initial_silence 2500 (exceeded:
 * MACHINE/INITIALSILENCE), greeting 1500 (exceeded: MACHINE/LONGGREETING),
 * after_greeting_silence 800 (exceeded after a greeting: HUMAN), total_analysis_time 5000
 * (NOTSURE/TOOLONG), min_word_length 100, between_words_silence 50,
 * maximum_number_of_words 3 (reached: MACHINE/MAXWORDS), maximum_word_length 5000
 * (MACHINE/MAXWORDLENGTH), silence_threshold 256.
 */
import { FRAME_MS, FRAME_SAMPLES } from './tone-frame.js';

export interface AsteriskAmdParameters {
  readonly initialSilence: number;
  readonly greeting: number;
  readonly afterGreetingSilence: number;
  readonly totalAnalysisTime: number;
  readonly minimumWordLength: number;
  readonly betweenWordsSilence: number;
  readonly maximumNumberOfWords: number;
  readonly maximumWordLength: number;
  readonly silenceThreshold: number;
}

export const ASTERISK_AMD_DEFAULTS: AsteriskAmdParameters = Object.freeze({
  initialSilence: 2500,
  greeting: 1500,
  afterGreetingSilence: 800,
  totalAnalysisTime: 5000,
  minimumWordLength: 100,
  betweenWordsSilence: 50,
  maximumNumberOfWords: 3,
  maximumWordLength: 5000,
  silenceThreshold: 256,
});

export type AsteriskAmdStatus = 'HUMAN' | 'MACHINE' | 'NOTSURE';
export type AsteriskAmdCause = 'HUMAN' | 'INITIALSILENCE' | 'LONGGREETING' | 'MAXWORDS' | 'MAXWORDLENGTH' | 'TOOLONG';

export interface AsteriskAmdResult {
  readonly status: AsteriskAmdStatus;
  readonly cause: AsteriskAmdCause;
  readonly atMs: number;
}

/** Runs the documented AMD() over 8 kHz PCM; `lostFrames` are frame numbers that never came. */
export function asteriskAmd(
  pcm: Int16Array,
  parameters: AsteriskAmdParameters = ASTERISK_AMD_DEFAULTS,
  lostFrames: ReadonlySet<number> = new Set(),
): AsteriskAmdResult {
  const p = parameters;
  let inInitialSilence = true;
  let inGreeting = false;
  let greetingStart = 0;
  let silence = 0;
  let voice = 0;
  let words = 0;
  let inWord = false;
  const frames = Math.floor(pcm.length / FRAME_SAMPLES);
  for (let f = 0; f < frames; f += 1) {
    const now = (f + 1) * FRAME_MS;
    let silent = true;
    if (!lostFrames.has(f)) {
      let sum = 0;
      for (let i = f * FRAME_SAMPLES; i < (f + 1) * FRAME_SAMPLES; i += 1) sum += Math.abs(pcm[i]);
      silent = sum / FRAME_SAMPLES < p.silenceThreshold;
    }
    if (silent) {
      silence += FRAME_MS;
      if (silence >= p.betweenWordsSilence) {
        inWord = false;
        voice = 0;
      }
      if (inInitialSilence && silence >= p.initialSilence)
        return { status: 'MACHINE', cause: 'INITIALSILENCE', atMs: now };
      if (inGreeting && silence >= p.afterGreetingSilence) return { status: 'HUMAN', cause: 'HUMAN', atMs: now };
    } else {
      voice += FRAME_MS;
      if (voice >= p.minimumWordLength && !inWord) {
        inWord = true;
        words += 1;
        if (words >= p.maximumNumberOfWords) return { status: 'MACHINE', cause: 'MAXWORDS', atMs: now };
      }
      if (voice >= p.maximumWordLength) return { status: 'MACHINE', cause: 'MAXWORDLENGTH', atMs: now };
      if (inInitialSilence && inWord) {
        inInitialSilence = false;
        inGreeting = true;
        greetingStart = now - voice;
      }
      if (inGreeting && now - greetingStart >= p.greeting)
        return { status: 'MACHINE', cause: 'LONGGREETING', atMs: now };
      silence = 0;
    }
    if (now >= p.totalAnalysisTime) return { status: 'NOTSURE', cause: 'TOOLONG', atMs: now };
  }
  return { status: 'NOTSURE', cause: 'TOOLONG', atMs: frames * FRAME_MS };
}
