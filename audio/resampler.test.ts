import { sine } from '../test/support/wav-builder.js';
import { concatFloat32, createResampler, resample } from './resampler.js';

/** RMS over the middle 80 %: away from the start and end, where any filter has edge effects. */
function rms(x: Float32Array): number {
  const from = Math.floor(x.length * 0.1);
  const to = Math.floor(x.length * 0.9);
  let sum = 0;
  for (let i = from; i < to; i += 1) sum += x[i] * x[i];
  return Math.sqrt(sum / (to - from));
}

const gainDb = (input: Float32Array, output: Float32Array) => 20 * Math.log10(rms(output) / rms(input));

describe('resample to 8 kHz', () => {
  it.each([16000, 22050, 44100, 48000])('passes 1 kHz from %i Hz at 0 dB', async (rate) => {
    const input = sine(1000, rate, 1);
    expect(Math.abs(gainDb(input, await resample(input, rate, 8000)))).toBeLessThan(0.05);
  });

  it.each([16000, 22050, 44100, 48000])(
    'keeps the telephone band flat (300 Hz and 3.4 kHz) from %i Hz',
    async (rate) => {
      for (const frequency of [300, 3400]) {
        const input = sine(frequency, rate, 1);
        expect(Math.abs(gainDb(input, await resample(input, rate, 8000)))).toBeLessThan(0.1);
      }
    },
  );

  it.each([16000, 44100, 48000])(
    'attenuates 5 kHz from %i Hz by at least 40 dB (it would alias to 3 kHz)',
    async (rate) => {
      const input = sine(5000, rate, 1);
      expect(gainDb(input, await resample(input, rate, 8000))).toBeLessThan(-40);
    },
  );

  it('keeps timing: a resampled tone matches the same tone generated at 8 kHz, sample for sample', async () => {
    const output = await resample(sine(1000, 44100, 1), 44100, 8000);
    const ideal = sine(1000, 8000, 1);
    expect(output.length).toBe(ideal.length);
    let error = 0;
    let signal = 0;
    for (let i = 800; i < 7200; i += 1) {
      error += (output[i] - ideal[i]) ** 2;
      signal += ideal[i] ** 2;
    }
    expect(10 * Math.log10(signal / error)).toBeGreaterThan(60);
  });

  it.each([
    [44100, 44100, 8000],
    [48000, 48003, 8001],
    [11025, 5000, 3628],
  ])('produces round(n × 8000 / %i) samples for n = %i', async (rate, n, expected) => {
    expect((await resample(new Float32Array(n).fill(0.1), rate, 8000)).length).toBe(expected);
  });

  it('gives the same result streamed in uneven blocks as in one call', async () => {
    const input = sine(700, 22050, 2);
    const whole = await resample(input, 22050, 8000);
    const resampler = await createResampler(22050, 8000);
    const parts: Float32Array[] = [];
    for (let at = 0, step = 1; at < input.length; at += step, step = (step * 7 + 3) % 20_000) {
      parts.push(resampler.process(input.subarray(at, at + step)));
    }
    parts.push(resampler.finish());
    const streamed = concatFloat32(parts);
    expect(streamed.length).toBe(whole.length);
    expect(Math.max(...streamed.map((v, i) => Math.abs(v - whole[i])))).toBeLessThan(1e-6);
  });

  it('passes 8 kHz input through unchanged', async () => {
    const input = sine(1000, 8000, 0.1);
    expect(await resample(input, 8000, 8000)).toEqual(input);
  });
});
