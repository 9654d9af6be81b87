import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sineWave } from './tone.js';
import { decodeWav, encodeWav, pcmWithWavRoom, WAV_HEADER_BYTES, WavFormatError } from './wav.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-wav-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs sox (a missing sox fails the test, never skips it). */
function sox(...args: string[]): void {
  execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** What sox itself decodes `file` to: interleaved 16-bit little-endian samples. */
function soxSamples(file: string): Int16Array {
  const raw = join(dir, 'decoded.raw');
  sox(file, '-t', 'raw', '-e', 'signed', '-b', '16', '-L', raw);
  const bytes = readFileSync(raw);
  return Int16Array.from({ length: bytes.length / 2 }, (_, i) => bytes.readInt16LE(i * 2));
}

describe('encodeWav', () => {
  it('writes a recording decoded with header room in place: the same bytes, no second copy', () => {
    const samples = sineWave({ frequency: 440, durationMs: 100 });
    const roomy = pcmWithWavRoom(samples.length);
    roomy.set(samples);
    const wav = encodeWav(roomy, 8000);
    expect(wav.equals(encodeWav(Int16Array.from(samples), 8000))).toBe(true);
    expect(wav.buffer).toBe(roomy.buffer);
    expect(wav.length).toBe(WAV_HEADER_BYTES + samples.length * 2);
    expect(decodeWav(wav).samples).toEqual(samples);
    // A view that does not end with its buffer is copied, and its buffer left alone.
    const part = roomy.subarray(0, 10);
    const copied = encodeWav(part, 8000);
    expect(copied.buffer).not.toBe(roomy.buffer);
    expect(decodeWav(copied).samples).toEqual(samples.subarray(0, 10));
    expect(encodeWav(pcmWithWavRoom(0), 8000).length).toBe(WAV_HEADER_BYTES);
  });

  it('writes the canonical 44-byte PCM header, byte for byte', () => {
    const wav = encodeWav(Int16Array.from([1, -2, 0x1234]), 8000);
    // prettier-ignore
    const expected = Buffer.from([
      0x52, 0x49, 0x46, 0x46, 42, 0, 0, 0, 0x57, 0x41, 0x56, 0x45, // "RIFF" 36+6 "WAVE"
      0x66, 0x6d, 0x74, 0x20, 16, 0, 0, 0,                          // "fmt " size 16
      1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0,              // PCM, mono, 8000 Hz, 16000 B/s
      2, 0, 16, 0,                                                  // block align 2, 16 bits
      0x64, 0x61, 0x74, 0x61, 6, 0, 0, 0,                           // "data" 6 bytes
      1, 0, 0xfe, 0xff, 0x34, 0x12,
    ]);
    expect(wav).toEqual(expected);
  });

  it('round-trips through decodeWav', () => {
    const pcm = sineWave({ frequency: 440, durationMs: 250, amplitude: 30000 });
    const decoded = decodeWav(encodeWav(pcm, 8000));
    expect(decoded.sampleRate).toBe(8000);
    expect(decoded.channels).toBe(1);
    expect(decoded.samples).toEqual(pcm);
  });

  it('writes files sox reads back sample for sample', () => {
    const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 12345, -12345]);
    const file = join(dir, 'ours.wav');
    writeFileSync(file, encodeWav(pcm, 16000));
    expect(soxSamples(file)).toEqual(pcm);
  });

  it('rejects a nonsensical sample rate', () => {
    expect(() => encodeWav(new Int16Array(1), 0)).toThrow(RangeError);
  });
});

describe('decodeWav with files written by sox', () => {
  it('reads a 16-bit PCM tone', () => {
    const file = join(dir, 'tone.wav');
    sox('-n', '-r', '8000', '-c', '1', '-b', '16', file, 'synth', '1', 'sine', '1000');
    const wav = decodeWav(readFileSync(file));
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(wav.samples.length).toBe(8000);
    expect(wav.samples).toEqual(soxSamples(file));
    expect(Math.max(...wav.samples)).toBeGreaterThan(10000); // not silence
  });

  it.each([
    ['u-law', 7],
    ['a-law', 6],
  ])('reads %s (format %i, with a fact chunk) decoded to 16-bit', (encoding) => {
    const file = join(dir, `${encoding}.wav`);
    sox('-n', '-r', '8000', '-c', '1', '-e', encoding, file, 'synth', '0.5', 'sine', '700');
    const wav = decodeWav(readFileSync(file));
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(wav.samples.length).toBe(4000);
    expect(wav.samples).toEqual(soxSamples(file));
  });

  it('reads interleaved stereo', () => {
    const file = join(dir, 'stereo.wav');
    sox('-n', '-r', '44100', '-c', '2', '-b', '16', file, 'synth', '0.1', 'sine', '300', 'sine', '500');
    const wav = decodeWav(readFileSync(file));
    expect(wav).toMatchObject({ sampleRate: 44100, channels: 2 });
    expect(wav.samples.length).toBe(4410 * 2);
    expect(wav.samples).toEqual(soxSamples(file));
  });

  it('reads WAVE_FORMAT_EXTENSIBLE (sox writes it for more than two channels)', () => {
    const file = join(dir, 'extensible.wav');
    sox('-n', '-r', '8000', '-c', '3', '-b', '16', file, 'synth', '0.1', 'sine', '300');
    const bytes = readFileSync(file);
    expect(bytes.readUInt16LE(20)).toBe(0xfffe);
    const wav = decodeWav(bytes);
    expect(wav.channels).toBe(3);
    expect(wav.samples).toEqual(soxSamples(file));
  });

  it('reads a file streamed to a pipe (placeholder data size)', () => {
    const bytes = execFileSync(
      'sox',
      ['-n', '-r', '8000', '-c', '1', '-b', '16', '-t', 'wav', '-', 'synth', '0.2', 'sine', '1000'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    expect(bytes.readUInt32LE(40)).toBeGreaterThan(bytes.length); // sox could not seek back
    expect(decodeWav(bytes).samples.length).toBe(1600);
  });

  it('rejects formats it does not read, naming them', () => {
    const eightBit = join(dir, 'u8.wav');
    sox('-n', '-r', '8000', '-c', '1', '-b', '8', '-e', 'unsigned', eightBit, 'synth', '0.1', 'sine', '300');
    expect(() => decodeWav(readFileSync(eightBit))).toThrow('unsupported WAV: 8-bit PCM');
    const float = join(dir, 'float.wav');
    sox('-n', '-r', '8000', '-c', '1', '-b', '32', '-e', 'floating-point', float, 'synth', '0.1', 'sine', '300');
    expect(() => decodeWav(readFileSync(float))).toThrow('unsupported WAV format code 3');
    const adpcm = join(dir, 'adpcm.wav');
    sox('-n', '-r', '8000', '-c', '1', '-e', 'ima-adpcm', adpcm, 'synth', '0.1', 'sine', '300');
    expect(() => decodeWav(readFileSync(adpcm))).toThrow('unsupported WAV format code 17');
  });
});

describe('decodeWav on broken input', () => {
  const good = encodeWav(
    Int16Array.from({ length: 100 }, (_, i) => i * 100),
    8000,
  );

  it.each([
    ['an empty buffer', Buffer.alloc(0), 'not a WAV file'],
    ['random bytes', Buffer.from('ID3\u0004 this is an mp3, honest'), 'not a WAV file: no RIFF/WAVE header'],
    ['a header cut inside the fmt chunk', good.subarray(0, 30), 'truncated WAV: the fmt chunk'],
    ['a file cut after the fmt chunk', good.subarray(0, 36), 'malformed WAV: no data chunk'],
    ['a data chunk cut short', good.subarray(0, 100), 'truncated WAV: the data chunk declares 200 bytes, 56 present'],
    [
      'RIFF with no fmt chunk',
      Buffer.from('RIFF\u0004\u0000\u0000\u0000WAVE', 'latin1'),
      'malformed WAV: no fmt chunk',
    ],
  ])('rejects %s', (_name, bytes, message) => {
    expect(() => decodeWav(bytes)).toThrow(WavFormatError);
    expect(() => decodeWav(bytes)).toThrow(message);
  });

  it('rejects a data chunk before the fmt chunk', () => {
    const bytes = Buffer.concat([good.subarray(0, 12), good.subarray(36, 44), good.subarray(12, 36)]);
    expect(() => decodeWav(bytes)).toThrow('data chunk before the fmt chunk');
  });

  it('rejects 16-bit data that is not a whole number of samples', () => {
    const bytes = Buffer.from(good.subarray(0, 46));
    bytes.writeUInt32LE(1, 40);
    expect(() => decodeWav(bytes)).toThrow('not a whole number of 2-byte frames');
  });

  it('rejects a fmt chunk that contradicts itself', () => {
    const bytes = Buffer.from(good);
    bytes.writeUInt16LE(4, 32); // block align 4 for mono 16-bit
    expect(() => decodeWav(bytes)).toThrow('block align 4');
  });

  it('skips unknown chunks, honouring the pad byte after an odd-sized one', () => {
    const list = Buffer.from('LIST\u0003\u0000\u0000\u0000abc\u0000', 'latin1');
    const bytes = Buffer.concat([good.subarray(0, 36), list, good.subarray(36)]);
    expect(decodeWav(bytes).samples).toEqual(decodeWav(good).samples);
  });
});
