/**
 * Spectral comparison for the audio quality tests: band-limited SNR of a signal against a
 * reference, after the least-squares gain that best matches the two (so a level difference,
 * e.g. from loudness normalisation, is not counted as noise).
 */

/** In-place iterative radix-2 FFT; `re.length` must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i += 1) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < len / 2; k += 1) {
        const wr = Math.cos(angle * k);
        const wi = Math.sin(angle * k);
        const a = start + k;
        const b = a + len / 2;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

function spectrum(samples: ArrayLike<number>, length: number, size: number): [Float64Array, Float64Array] {
  const re = new Float64Array(size);
  for (let i = 0; i < length; i += 1) re[i] = samples[i];
  const im = new Float64Array(size);
  fft(re, im);
  return [re, im];
}

export interface BandComparison {
  /** Signal-to-noise ratio in the band, dB: reference energy over the energy of (reference − gain × test). */
  readonly snrDb: number;
  /** The least-squares gain applied to `test`. */
  readonly gain: number;
}

/** Compares the first min(lengths) samples of `test` with `reference` between `lowHz` and `highHz`. */
export function bandSnr(
  reference: ArrayLike<number>,
  test: ArrayLike<number>,
  sampleRate: number,
  lowHz: number,
  highHz: number,
): BandComparison {
  const length = Math.min(reference.length, test.length);
  let size = 1;
  while (size < length) size <<= 1;
  const [rr, ri] = spectrum(reference, length, size);
  const [tr, ti] = spectrum(test, length, size);
  const lo = Math.ceil((lowHz * size) / sampleRate);
  const hi = Math.floor((highHz * size) / sampleRate);
  let cross = 0;
  let testEnergy = 0;
  for (let k = lo; k <= hi; k += 1) {
    cross += rr[k] * tr[k] + ri[k] * ti[k];
    testEnergy += tr[k] * tr[k] + ti[k] * ti[k];
  }
  const gain = testEnergy > 0 ? cross / testEnergy : 0;
  let signal = 0;
  let noise = 0;
  for (let k = lo; k <= hi; k += 1) {
    signal += rr[k] * rr[k] + ri[k] * ri[k];
    noise += (rr[k] - gain * tr[k]) ** 2 + (ri[k] - gain * ti[k]) ** 2;
  }
  return { snrDb: 10 * Math.log10(signal / noise), gain };
}
