import { sine } from '../test/support/wav-builder.js';
import { integratedLoudness, kWeightingFilters, normalisationGainDb, samplePeak, toInt16 } from './loudness.js';

const dbfs = (db: number) => 10 ** (db / 20);

describe('integratedLoudness (ITU-R BS.1770-4)', () => {
  it('derives the K-weighting coefficients BS.1770 prints for 48 kHz', () => {
    const [shelf, highPass] = kWeightingFilters(48000);
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 9);
    expect(shelf.b1).toBeCloseTo(-2.69169618940638, 9);
    expect(shelf.b2).toBeCloseTo(1.19839281085285, 9);
    expect(shelf.a1).toBeCloseTo(-1.69065929318241, 9);
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 9);
    expect(highPass.a1).toBeCloseTo(-1.99004745483398, 9);
    expect(highPass.a2).toBeCloseTo(0.99007225036621, 9);
  });

  // A 1 kHz sine at -20 dBFS peak has a mean square 3.01 dB below its peak, and K-weighting
  // adds +0.691 dB at 1 kHz, which the -0.691 in the formula cancels: -23.01 LUFS.
  it.each([48000, 44100, 16000, 8000])('measures a -20 dBFS 1 kHz sine at %i Hz as -23.0 LUFS', (rate) => {
    expect(integratedLoudness(sine(1000, rate, 5, dbfs(-20)), rate)).toBeCloseTo(-23.01, 1);
  });

  // Blocks are 400 ms every 100 ms: a 5 s tone fills 47 blocks whole, and at each edge three
  // blocks hold 3/4, 1/2 and 1/4 of it. Those pass both gates here, so they count.
  it('does not count silence (absolute gate), but does count the blocks a tone partly fills', () => {
    const tone = sine(1000, 8000, 5, dbfs(-20));
    const alone = integratedLoudness(tone, 8000);
    const withPauses = new Float32Array(tone.length * 3);
    withPauses.set(tone, tone.length);
    const power = 47 + 2 * (0.75 + 0.5 + 0.25);
    expect(integratedLoudness(withPauses, 8000)).toBeCloseTo(alone + 10 * Math.log10(power / 53), 2);
  });

  it('does not count blocks more than 10 LU below the rest (relative gate)', () => {
    const loud = sine(1000, 8000, 5, dbfs(-20));
    const alone = integratedLoudness(loud, 8000);
    const mixed = new Float32Array(loud.length * 2);
    mixed.set(loud);
    mixed.set(sine(1000, 8000, 5, dbfs(-40)), loud.length); // phase-continuous: 5 s is whole cycles
    // The 47 quiet blocks (-43 LUFS) fall under the gate (about -36); the 3 blocks across the step count.
    const q = 0.01;
    const power = 47 + (0.75 + 0.25 * q) + (0.5 + 0.5 * q) + (0.25 + 0.75 * q);
    expect(integratedLoudness(mixed, 8000)).toBeCloseTo(alone + 10 * Math.log10(power / 50), 2);
  });

  it('weights by frequency: a 100 Hz tone reads quieter than 1 kHz, 3 kHz louder', () => {
    const at = (f: number) => integratedLoudness(sine(f, 48000, 3, dbfs(-20)), 48000);
    expect(at(100)).toBeLessThan(at(1000) - 0.5);
    expect(at(3000)).toBeGreaterThan(at(1000) + 2);
  });

  it('is -Infinity for digital silence and nothing at all', () => {
    expect(integratedLoudness(new Float32Array(8000), 8000)).toBe(-Infinity);
    expect(integratedLoudness(new Float32Array(0), 8000)).toBe(-Infinity);
  });

  it('measures a signal shorter than one 400 ms block as one block', () => {
    expect(integratedLoudness(sine(1000, 8000, 0.2, dbfs(-20)), 8000)).toBeCloseTo(-23.0, 0);
  });
});

describe('normalisationGainDb', () => {
  it('moves the loudness to the target when the peak allows it', () => {
    expect(normalisationGainDb(-30, -18, dbfs(-20))).toBeCloseTo(12, 9);
    expect(normalisationGainDb(-10, -18, dbfs(-1))).toBeCloseTo(-8, 9);
  });

  it('stops short of clipping: the peak ends at the ceiling', () => {
    expect(normalisationGainDb(-30, -18, dbfs(-6))).toBeCloseTo(5, 9);
    expect(normalisationGainDb(-30, -18, dbfs(-6), { ceilingDbfs: -3 })).toBeCloseTo(3, 9);
  });

  it('caps the boost and leaves silence alone', () => {
    expect(normalisationGainDb(-60, -18, dbfs(-50))).toBe(24);
    expect(normalisationGainDb(-Infinity, -18, 0)).toBe(0);
  });
});

describe('toInt16', () => {
  it('maps full scale to the 16-bit extremes and applies the gain', () => {
    expect(Array.from(toInt16(Float32Array.from([1, -1, 0, 0.5])))).toEqual([32767, -32768, 0, 16384]);
    expect(Array.from(toInt16(Float32Array.from([0.25, -0.25]), 20 * Math.log10(2)))).toEqual([16384, -16384]);
  });

  it('clamps instead of wrapping around', () => {
    expect(Array.from(toInt16(Float32Array.from([1.5, -1.5])))).toEqual([32767, -32768]);
  });

  it('finds the sample peak', () => {
    expect(samplePeak(Float32Array.from([0.1, -0.7, 0.5]))).toBeCloseTo(0.7, 6);
  });
});
