/**
 * Synthetic signals for the detector's unit tests and the offline set's tones: speech-like
 * voiced syllables, silence, noise, sines and dual tones as 8 kHz 16-bit PCM, seeded.
 */

const RATE = 8000;

/** Mulberry32: small, seeded, good enough for test signals. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function dbfsToPeak(dbfs: number): number {
  return 32767 * 10 ** (dbfs / 20);
}

export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((ms * RATE) / 1000));
}

/** Tones summed, each at `dbfs` peak; one frequency is a sine, two a dual tone. */
export function tones(frequencies: readonly number[], ms: number, dbfs = -12): Int16Array {
  const out = new Int16Array(Math.round((ms * RATE) / 1000));
  const amplitude = dbfsToPeak(dbfs) / frequencies.length;
  for (let i = 0; i < out.length; i += 1) {
    let v = 0;
    for (const f of frequencies) v += Math.sin((2 * Math.PI * f * i) / RATE);
    out[i] = Math.round(amplitude * v);
  }
  return out;
}

/** White noise at `dbfs` RMS. */
export function noise(ms: number, dbfs: number, random: () => number): Int16Array {
  const out = new Int16Array(Math.round((ms * RATE) / 1000));
  const rms = dbfsToPeak(dbfs);
  for (let i = 0; i < out.length; i += 1)
    out[i] = Math.max(-32768, Math.min(32767, Math.round((random() * 2 - 1) * rms * 1.732)));
  return out;
}

/**
 * Speech-like audio: syllables of 120-250 ms (a glottal pulse train at 100-220 Hz shaped
 * by two resonances, with a rise-and-fall envelope) and 40-120 ms gaps, for `ms`.
 */
export function babble(ms: number, dbfs: number, random: () => number): Int16Array {
  const out = new Int16Array(Math.round((ms * RATE) / 1000));
  const peak = dbfsToPeak(dbfs);
  let i = 0;
  while (i < out.length) {
    const syllable = Math.round(((120 + random() * 130) * RATE) / 1000);
    const f0 = 100 + random() * 120;
    const formants = [300 + random() * 500, 900 + random() * 1400];
    for (let n = 0; n < syllable && i < out.length; n += 1, i += 1) {
      const t = i / RATE;
      const envelope = Math.sin((Math.PI * n) / syllable);
      let v = 0;
      for (let h = 1; h * f0 < 3500; h += 1) {
        const f = h * f0;
        const gain = formants.reduce((g, fc) => g + 1 / (1 + ((f - fc) / 120) ** 2), 0.05);
        v += (gain / h ** 0.5) * Math.sin(2 * Math.PI * f * t);
      }
      out[i] = Math.round(Math.max(-1, Math.min(1, (v * envelope) / 4)) * peak);
    }
    i += Math.round(((40 + random() * 80) * RATE) / 1000);
  }
  return out;
}

export function concat(...parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Adds `b` into `a` (clipped), starting at sample 0. */
export function mix(a: Int16Array, b: Int16Array): Int16Array {
  const out = Int16Array.from(a);
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) out[i] = Math.max(-32768, Math.min(32767, a[i] + b[i]));
  return out;
}
