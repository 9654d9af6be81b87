/**
 * Loudness normalisation by ITU-R BS.1770-4 integrated loudness (the measure behind EBU R128
 * and ATSC A/85): K-weighting, mean square over 400 ms blocks overlapping by 75 %, an
 * absolute gate at -70 LUFS and a relative gate 10 LU below the loudness of what passed it.
 * Gating is what makes pauses in speech not count, so a message with long silences is not
 * boosted into distortion.
 *
 * The gain that reaches the target is then limited so the sample peak stays below a ceiling:
 * the prepared audio never clips, at the price of staying quieter than the target when the
 * recording has sharp peaks.
 */

interface Biquad {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly a1: number;
  readonly a2: number;
}

/**
 * The two K-weighting stages for any sample rate: the BS.1770 high shelf (+4 dB above ~1.7 kHz,
 * the head's acoustic effect) and the RLB high-pass (~38 Hz). Derived from the analogue
 * prototypes as in libebur128; at 48 kHz they reproduce the coefficients printed in BS.1770.
 */
export function kWeightingFilters(sampleRate: number): [Biquad, Biquad] {
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  };
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  return [shelf, highPass];
}

function filter(input: Float32Array | Float64Array, f: Biquad): Float64Array {
  const out = new Float64Array(input.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < input.length; i += 1) {
    const x = input[i];
    const y = f.b0 * x + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
  return out;
}

const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
const toLufs = (meanSquare: number) => -0.691 + 10 * Math.log10(meanSquare);

/**
 * Integrated loudness of a mono signal in LUFS; `-Infinity` when every block is below the
 * absolute gate (silence). A signal shorter than one 400 ms block is measured as one block.
 */
export function integratedLoudness(samples: Float32Array, sampleRate: number): number {
  if (samples.length === 0) return -Infinity;
  const [shelf, highPass] = kWeightingFilters(sampleRate);
  const weighted = filter(filter(samples, shelf), highPass);
  // Sums of squares per 100 ms step; a block is four consecutive steps.
  const steps = Math.floor((samples.length * 10) / sampleRate);
  const stepSums: number[] = [];
  const stepStart = (s: number) => Math.round((s * sampleRate) / 10);
  for (let s = 0; s < steps; s += 1) {
    let sum = 0;
    for (let i = stepStart(s); i < stepStart(s + 1); i += 1) sum += weighted[i] * weighted[i];
    stepSums.push(sum);
  }
  const blocks: number[] = [];
  for (let s = 0; s + 4 <= steps; s += 1) {
    const sum = stepSums[s] + stepSums[s + 1] + stepSums[s + 2] + stepSums[s + 3];
    blocks.push(sum / (stepStart(s + 4) - stepStart(s)));
  }
  if (blocks.length === 0) blocks.push(weighted.reduce((n, v) => n + v * v, 0) / weighted.length);
  const aboveAbsolute = blocks.filter((p) => toLufs(p) > ABSOLUTE_GATE_LUFS);
  if (aboveAbsolute.length === 0) return -Infinity;
  const relativeGate = toLufs(mean(aboveAbsolute)) + RELATIVE_GATE_LU;
  return toLufs(mean(aboveAbsolute.filter((p) => toLufs(p) > relativeGate)));
}

function mean(values: readonly number[]): number {
  return values.reduce((n, v) => n + v, 0) / values.length;
}

/** Largest absolute sample value. */
export function samplePeak(samples: Float32Array): number {
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  return peak;
}

export interface GainLimits {
  /** Highest sample peak allowed after the gain, dBFS (default -1). */
  readonly ceilingDbfs?: number;
  /** Largest boost, dB (default 24): beyond that we would mostly amplify noise. */
  readonly maxBoostDb?: number;
}

/**
 * The gain in dB that moves `loudnessLufs` to `targetLufs`, limited so the peak stays under the
 * ceiling and the boost under its maximum. 0 for silence.
 */
export function normalisationGainDb(
  loudnessLufs: number,
  targetLufs: number,
  peak: number,
  limits: GainLimits = {},
): number {
  if (!Number.isFinite(loudnessLufs) || peak <= 0) return 0;
  const ceiling = limits.ceilingDbfs ?? -1;
  const headroom = ceiling - 20 * Math.log10(peak);
  return Math.min(targetLufs - loudnessLufs, headroom, limits.maxBoostDb ?? 24);
}

/**
 * Float samples (full scale ±1) times `gainDb` as 16-bit PCM, rounded and clamped. Scaled
 * like the decoders scale 16-bit input (negatives by 32768, positives by 32767), so 8 kHz
 * 16-bit audio comes back bit-exact when no gain applies.
 */
export function toInt16(samples: Float32Array, gainDb = 0): Int16Array {
  const gain = 10 ** (gainDb / 20);
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i += 1) {
    const v = samples[i] * gain;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v < 0 ? v * 32768 : v * 32767)));
  }
  return out;
}
