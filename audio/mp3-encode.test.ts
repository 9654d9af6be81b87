// The decoder is an ES module: loaded with import() (jest runs with --experimental-vm-modules).
const decodeMp3 = async (mp3: Uint8Array) => (await import('@audio/decode-mp3')).default(mp3);
import { bandSnr } from '../test/support/spectrum.js';
import { sine } from '../test/support/wav-builder.js';
import { encodeWav } from '../telephony/media/wav.js';
import { encodeMp3, Mp3InputError, MP3_ENCODER_DELAY_SAMPLES, MP3_FRAME_SAMPLES } from './mp3-encode.js';

function toneWav(seconds: number): { wav: Buffer; signal: Float32Array } {
  const a = sine(440, 8000, seconds, 0.3);
  const b = sine(1000, 8000, seconds, 0.2);
  const signal = a.map((v, i) => v + b[i]);
  return {
    wav: encodeWav(
      Int16Array.from(signal, (v) => Math.round(v * 32767)),
      8000,
    ),
    signal,
  };
}

test('8 kHz mono comes back from the project decoder with its length and its tones', async () => {
  const { wav, signal } = toneWav(2);
  const mp3 = await encodeMp3(wav);
  expect(mp3.byteLength).toBeLessThan(((2 * 32_000) / 8) * 1.1); // 32 kbit/s
  const decoded = await decodeMp3(mp3);
  expect(decoded.sampleRate).toBe(8000);
  const [samples] = decoded.channelData;
  const extra = samples.length - signal.length - MP3_ENCODER_DELAY_SAMPLES;
  expect(extra).toBeGreaterThanOrEqual(0);
  expect(extra).toBeLessThan(MP3_FRAME_SAMPLES);
  const aligned = samples.subarray(MP3_ENCODER_DELAY_SAMPLES, MP3_ENCODER_DELAY_SAMPLES + signal.length);
  expect(bandSnr(signal, aligned, 8000, 300, 3400).snrDb).toBeGreaterThan(15);
  // A tone that is not there stays out: 2 kHz has no energy in the source.
  expect(bandSnr(sine(2000, 8000, 2), aligned, 8000, 1900, 2100).snrDb).toBeLessThan(1);
});

test('an empty recording is a valid, near-empty MP3', async () => {
  const mp3 = await encodeMp3(encodeWav(new Int16Array(0), 8000));
  const decoded = await decodeMp3(mp3);
  expect(decoded.channelData[0]?.length ?? 0).toBeLessThan(MP3_ENCODER_DELAY_SAMPLES + 2 * MP3_FRAME_SAMPLES);
});

test('what is not a WAV the encoder takes is refused by name', async () => {
  await expect(encodeMp3(Buffer.from('not a wav at all'))).rejects.toThrow(/not a WAV file/);
  const odd = encodeWav(new Int16Array(100), 7000);
  await expect(encodeMp3(odd)).rejects.toThrow(Mp3InputError);
});
