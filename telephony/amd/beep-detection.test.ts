/**
 * The beep detector (tone-frame.ts) through the detector, beyond amd-detector.test.ts's
 * basic cases: band edges, frequency drift, line noise, lost frames, a beep straight after
 * speech, and what must stay no beep (fast sweeps, dual tones across the band, plucked
 * chords, speech).
 */
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../media/g711.js';
import { AmdDetector, type AmdMessageEnd } from './amd-detector.js';
import { babble, concat, dbfsToPeak, mix, noise, seededRandom, silence, tones } from './amd-signals.js';

const ulaw = (pcm: Int16Array): Int16Array => decodeUlaw(encodeUlaw(pcm));
const alaw = (pcm: Int16Array): Int16Array => decodeAlaw(encodeAlaw(pcm));

/** A sine gliding linearly from `fromHz` to `toHz` (phase-continuous). */
function glide(fromHz: number, toHz: number, ms: number, dbfs: number): Int16Array {
  const out = new Int16Array(Math.round(ms * 8));
  const peak = dbfsToPeak(dbfs);
  let phase = 0;
  for (let i = 0; i < out.length; i += 1) {
    phase += (2 * Math.PI * (fromHz + ((toHz - fromHz) * i) / out.length)) / 8000;
    out[i] = Math.round(peak * Math.sin(phase));
  }
  return out;
}

/** A plucked note: harmonics with an exponential decay (music, not a beep). */
function pluck(hz: number, ms: number, dbfs: number): Int16Array {
  const out = new Int16Array(Math.round(ms * 8));
  const peak = dbfsToPeak(dbfs);
  for (let i = 0; i < out.length; i += 1) {
    let v = 0;
    for (let h = 1; h <= 4; h += 1) v += Math.sin((2 * Math.PI * hz * h * i) / 8000) / h;
    out[i] = Math.round((peak * v * Math.exp(-i / 1600)) / 2);
  }
  return out;
}

interface Options {
  readonly gapMs?: number;
  readonly noiseDbfs?: number;
  readonly lost?: (frame: number) => boolean;
  readonly codec?: (pcm: Int16Array) => Int16Array;
}

const GREETING_MS = 2500;

/** A 2.5 s greeting, a gap, `tone`, 3 s of quiet; returns the greeting's end as detected. */
function endAfter(tone: Int16Array, options: Options = {}): AmdMessageEnd | null {
  const random = seededRandom(5);
  let pcm = concat(silence(300), babble(GREETING_MS, -15, random), silence(options.gapMs ?? 300), tone, silence(3000));
  if (options.noiseDbfs !== undefined) pcm = mix(pcm, noise(pcm.length / 8, options.noiseDbfs, random));
  pcm = (options.codec ?? ulaw)(pcm);
  const detector = new AmdDetector();
  for (let f = 0; f * 160 < pcm.length; f += 1) {
    if (options.lost?.(f)) detector.lost();
    else detector.write(pcm.subarray(f * 160, (f + 1) * 160));
  }
  detector.write(silence(30_000));
  return detector.messageEnd;
}

const toneStartMs = (gapMs = 300): number => 300 + GREETING_MS + gapMs;

describe('beep detection: band edges, drift, noise, loss', () => {
  it.each([
    [400, ulaw],
    [400, alaw],
    [2000, ulaw],
    [2000, alaw],
  ])('a 150 ms beep at %d Hz, −30 dBFS over −55 dBFS line noise, is found', (hz, codec) => {
    const end = endAfter(tones([hz], 150, -30), { noiseDbfs: -55, codec });
    expect(end?.cause).toBe('beep');
    expect(Math.abs(end!.atMs - (toneStartMs() + 150))).toBeLessThanOrEqual(60);
    expect(Math.abs(end!.beep!.hz - hz)).toBeLessThanOrEqual(10);
  });

  it.each([300, 2300])('a %d Hz tone, outside 400–2000 Hz, is no beep', (hz) => {
    expect(endAfter(tones([hz], 500, -12))?.cause).not.toBe('beep');
  });

  it.each([
    [1000, 1060, 500],
    [1000, 1110, 800],
    [2000, 1920, 600],
    [450, 400, 400],
  ])('a tone drifting from %d to %d Hz over %d ms is one beep, ended where it ends', (from, to, ms) => {
    const end = endAfter(glide(from, to, ms, -18));
    expect(end?.cause).toBe('beep');
    expect(Math.abs(end!.atMs - (toneStartMs() + ms))).toBeLessThanOrEqual(60);
  });

  it.each([
    [1000, -20, -38],
    [1800, -18, -36],
    [500, -12, -30],
  ])('a %d Hz beep at %d dBFS under white noise at %d dBFS (SNR about 15 dB) is found', (hz, dbfs, noiseDbfs) => {
    const end = endAfter(tones([hz], 400, dbfs), { noiseDbfs });
    expect(end?.cause).toBe('beep');
    expect(Math.abs(end!.atMs - (toneStartMs() + 400))).toBeLessThanOrEqual(60);
  });

  it('one frame lost in four inside the beep still makes one beep', () => {
    const first = Math.floor(toneStartMs() / 20);
    const end = endAfter(tones([1000], 400, -20), { lost: (f) => f >= first && f % 4 === 0 });
    expect(end?.cause).toBe('beep');
    expect(end!.atMs).toBeGreaterThanOrEqual(toneStartMs() + 200);
    expect(end!.atMs).toBeLessThanOrEqual(toneStartMs() + 460);
  });

  it('a beep straight after the last word (no gap) is found', () => {
    const end = endAfter(tones([1000], 300, -20), { gapMs: 0 });
    expect(end?.cause).toBe('beep');
    expect(Math.abs(end!.atMs - (toneStartMs(0) + 300))).toBeLessThanOrEqual(60);
  });
});

describe('beep detection: what stays no beep', () => {
  it.each([
    [800, 1600, 500],
    [1800, 600, 400],
  ])('a fast sweep from %d to %d Hz in %d ms is no beep', (from, to, ms) => {
    expect(endAfter(glide(from, to, ms, -12))?.cause).not.toBe('beep');
  });

  it('dual tones across the band (400+500 … 1900+1950 Hz, 1.85 s, as mod_avmd tests) are no beep', () => {
    for (let low = 400; low <= 1900; low += 300) {
      const pair = [low, low + (low < 1900 ? 100 : 50)];
      expect(endAfter(tones(pair, 1850, -10))?.cause).not.toBe('beep');
    }
    expect(endAfter(tones([1900, 1950], 1850, -10))?.cause).not.toBe('beep');
  });

  it('plucked chords (music) are no beep', () => {
    const chord = (root: number): Int16Array => {
      const notes = [root, root * 1.26, root * 1.5].map((hz) => pluck(hz, 600, -14));
      return notes.reduce((a, b) => mix(a, b));
    };
    expect(endAfter(concat(chord(440), chord(523), chord(392), chord(659)))?.cause).not.toBe('beep');
  });

  it('speech with the drift rule is still no beep (8 voices)', () => {
    for (let seed = 21; seed <= 28; seed += 1) {
      const detector = new AmdDetector();
      detector.write(ulaw(babble(6000, -12, seededRandom(seed))));
      detector.write(silence(5000));
      expect(detector.messageEnd?.cause).not.toBe('beep');
    }
  });
});

describe('a beep after a human verdict (a voicemail taken for a person)', () => {
  /** "Hi, it's Sam." (0.7 s), a 2 s pause, more greeting, then a 1 kHz beep at `beepAtMs`. */
  function lateBeepCall(beepAtMs: number, settings: ConstructorParameters<typeof AmdDetector>[0] = {}) {
    const random = seededRandom(7);
    const opening = concat(silence(300), babble(700, -15, random), silence(2000));
    const rest = babble(beepAtMs - 300 - 700 - 2000 - 400, -15, random);
    const pcm = ulaw(concat(opening, rest, silence(400), tones([1000], 400), silence(3000)));
    const detector = new AmdDetector(settings);
    const verdicts: string[] = [];
    for (let f = 0; f * 160 < pcm.length && detector.listening; f += 1) {
      for (const event of detector.write(pcm.subarray(f * 160, (f + 1) * 160)))
        if (event.kind === 'verdict') verdicts.push(event.verdict.verdict);
    }
    return { verdicts, end: detector.messageEnd, listening: detector.listening };
  }

  it('ends the greeting at the beep, the human verdict standing as the first', () => {
    const { verdicts, end } = lateBeepCall(6000);
    expect(verdicts).toEqual(['human']);
    expect(end?.cause).toBe('beep');
    expect(end!.beep!.hz).toBeCloseTo(1000, -1);
    expect(end!.atMs).toBeGreaterThanOrEqual(6400);
    expect(end!.atMs).toBeLessThan(6400 + 300);
  });

  it('stops listening at lateBeepMs (0: at the verdict), and never past maxWaitMs', () => {
    expect(lateBeepCall(6000, { lateBeepMs: 0 })).toMatchObject({ verdicts: ['human'], end: null, listening: false });
    expect(lateBeepCall(6000, { lateBeepMs: 5000 })).toMatchObject({ end: null, listening: false });
    expect(lateBeepCall(6000, { lateBeepMs: 60_000, maxWaitMs: 5000 })).toMatchObject({ end: null });
  });

  it('takes no tone for a beep after the verdict unless it is one: a SIT or speech ends nothing', () => {
    const random = seededRandom(9);
    const hello = concat(silence(300), babble(600, -15, random), silence(2000));
    const sit = concat(tones([913.8], 274), tones([1370.6], 274), tones([1776.7], 380));
    for (const after of [sit, babble(4000, -15, random)]) {
      const detector = new AmdDetector();
      detector.write(ulaw(concat(hello, after, silence(2000))));
      expect(detector.verdict?.verdict).toBe('human');
      expect(detector.messageEnd).toBeNull();
      expect(detector.listening).toBe(true);
    }
  });
});
