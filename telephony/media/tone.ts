/** Test signals: a sine tone as 16-bit PCM (the operator CLI and the tests use it). */

export interface SineOptions {
  readonly frequency: number;
  readonly durationMs: number;
  /** Default 8000 Hz. */
  readonly sampleRate?: number;
  /** Peak value, default 16000 (about -6 dBFS). */
  readonly amplitude?: number;
}

/** A sine tone, rounded to 16-bit samples. */
export function sineWave(options: SineOptions): Int16Array {
  const sampleRate = options.sampleRate ?? 8000;
  const amplitude = Math.min(options.amplitude ?? 16000, 32767);
  const samples = new Int16Array(Math.round((options.durationMs * sampleRate) / 1000));
  const step = (2 * Math.PI * options.frequency) / sampleRate;
  for (let i = 0; i < samples.length; i += 1) samples[i] = Math.round(amplitude * Math.sin(step * i));
  return samples;
}

/**
 * Power of `samples` at `frequency` (Goertzel), normalised so a full-scale sine at that
 * frequency gives about 0.25 of amplitude²: compare bins against each other, not to a constant.
 */
export function goertzelPower(samples: Int16Array, frequency: number, sampleRate = 8000): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (const sample of samples) {
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return samples.length ? power / (samples.length * samples.length) : 0;
}
