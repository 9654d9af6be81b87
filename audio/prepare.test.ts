import { createHash } from 'node:crypto';
import { encodeAlaw, encodeUlaw } from '../telephony/media/g711.js';
import { goertzelPower } from '../telephony/media/tone.js';
import { decodeWav } from '../telephony/media/wav.js';
import { buildWav, encodeSamples, sine } from '../test/support/wav-builder.js';
import { AudioRejectedError } from './audio-error.js';
import { bufferSource } from './byte-source.js';
import { integratedLoudness, toInt16 } from './loudness.js';
import { prepareAudio, type PrepareOptions } from './prepare.js';

const plain: PrepareOptions = { maxDurationSeconds: 60, normalize: false, loudnessTargetLufs: -18 };
const prepare = (bytes: Uint8Array, options: Partial<PrepareOptions> = {}) =>
  prepareAudio(bufferSource(bytes), { ...plain, ...options });

const dbfs = (db: number) => 10 ** (db / 20);

/** Power at `frequency` relative to the strongest of a few other probe frequencies, dB. */
function toneDominance(samples: Int16Array, frequency: number): number {
  const others = [300, 500, 2000, 3000].filter((f) => f !== frequency);
  const best = Math.max(...others.map((f) => goertzelPower(samples, f)));
  return 10 * Math.log10(goertzelPower(samples, frequency) / best);
}

function wav16(channels: Float32Array[], sampleRate: number): Buffer {
  return buildWav({ tag: 1, bits: 16, channels: channels.length, sampleRate }, encodeSamples(channels, 1, 16));
}

async function rejection(promise: Promise<unknown>): Promise<AudioRejectedError> {
  const err: unknown = await promise.catch((e: unknown) => e);
  if (!(err instanceof AudioRejectedError)) throw new Error(`expected a rejection, got ${String(err)}`);
  return err;
}

describe('prepareAudio', () => {
  it('turns 44.1 kHz stereo into 8 kHz mono WAV of the same length, and describes the original', async () => {
    const tone = sine(1000, 44100, 2, dbfs(-6));
    const bytes = wav16([tone, tone], 44100);
    const result = await prepare(bytes);
    const wav = decodeWav(result.wav);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(wav.samples.length).toBe(16000);
    expect(result).toMatchObject({
      format: 'wav',
      sampleRate: 44100,
      channels: 2,
      durationMs: 2000,
      preparedSamples: 16000,
      originalSize: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      gainDb: 0,
    });
    expect(toneDominance(wav.samples, 1000)).toBeGreaterThan(60);
  });

  it('downmixes by the mean of the channels', async () => {
    const tone = sine(1000, 16000, 1, 0.5);
    const result = await prepare(wav16([tone, new Float32Array(tone.length)], 16000));
    const peak = Math.max(...decodeWav(result.wav).samples.subarray(800, 7200));
    expect(peak / 32767).toBeCloseTo(0.25, 2);
  });

  it.each([
    ['8-bit PCM', { tag: 1, bits: 8 }],
    ['24-bit PCM, extensible', { tag: 1, bits: 24, extensible: true }],
    ['32-bit PCM', { tag: 1, bits: 32 }],
    ['32-bit float', { tag: 3, bits: 32 }],
    ['64-bit float, extensible', { tag: 3, bits: 64, extensible: true }],
  ] as const)('decodes %s WAV', async (_name, spec) => {
    const tone = sine(1000, 22050, 1, 0.5);
    const bytes = buildWav({ ...spec, channels: 1, sampleRate: 22050 }, encodeSamples([tone], spec.tag, spec.bits));
    const samples = decodeWav((await prepare(bytes)).wav).samples;
    expect(samples.length).toBe(8000);
    expect(toneDominance(samples, 1000)).toBeGreaterThan(spec.bits === 8 ? 30 : 60);
  });

  it.each([
    ['µ-law', 7, encodeUlaw],
    ['A-law', 6, encodeAlaw],
  ] as const)('decodes %s WAV', async (_name, tag, encode) => {
    const bytes = buildWav({ tag, bits: 8, channels: 1, sampleRate: 8000 }, encode(toInt16(sine(1000, 8000, 1))));
    const samples = decodeWav((await prepare(bytes)).wav).samples;
    expect(samples.length).toBe(8000);
    expect(toneDominance(samples, 1000)).toBeGreaterThan(30);
  });

  it('leaves 8 kHz 16-bit mono bit-exact when normalisation is off', async () => {
    const pcm = toInt16(sine(440, 8000, 0.5, 0.3));
    const input = buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000 }, Buffer.from(pcm.buffer));
    expect(decodeWav((await prepare(input)).wav).samples).toEqual(pcm);
  });

  it('normalises to the target loudness when the peak allows', async () => {
    const result = await prepare(wav16([sine(1000, 16000, 3, dbfs(-30))], 16000), { normalize: true });
    expect(result.loudnessLufs).toBeCloseTo(-33.0, 1);
    expect(result.gainDb).toBeCloseTo(15.0, 1);
    const out = Float32Array.from(decodeWav(result.wav).samples, (v) => v / 32768);
    expect(integratedLoudness(out, 8000)).toBeCloseTo(-18, 1);
  });

  it('limits the gain so the peak stays at -1 dBFS', async () => {
    const quietWithClick = sine(1000, 8000, 3, dbfs(-30));
    quietWithClick[12000] = dbfs(-3);
    const result = await prepare(wav16([quietWithClick], 8000), { normalize: true });
    expect(result.gainDb).toBeCloseTo(2, 1);
    const peak = Math.max(...decodeWav(result.wav).samples.map(Math.abs));
    expect(20 * Math.log10(peak / 32767)).toBeLessThanOrEqual(-0.99);
  });

  it('refuses audio longer than the maximum from the WAV header, before decoding', async () => {
    const err = await rejection(prepare(wav16([sine(1000, 8000, 2.5)], 8000), { maxDurationSeconds: 2 }));
    expect(err.reason).toBe('too-long');
    expect(err.message).toBe('The audio is 2.5 s long; the maximum is 2 s.');
  });

  it('refuses a WAV without samples, text and truncated files with their reasons', async () => {
    expect((await rejection(prepare(wav16([new Float32Array(0)], 8000)))).reason).toBe('empty');
    expect((await rejection(prepare(Buffer.from('not audio at all\n'.repeat(20))))).reason).toBe('unsupported-format');
    const whole = wav16([sine(1000, 8000, 1)], 8000);
    expect((await rejection(prepare(whole.subarray(0, 1000)))).reason).toBe('truncated');
  });
});
