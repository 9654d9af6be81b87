import { buildWav, type WavSpec } from '../test/support/wav-builder.js';
import { AudioRejectedError } from './audio-error.js';
import { bufferSource } from './byte-source.js';
import { canonicalWavHeader, parseWavHeader } from './wav-header.js';

const parse = (bytes: Uint8Array) => parseWavHeader(bufferSource(bytes));
const pcm16: WavSpec = { tag: 1, bits: 16, channels: 2, sampleRate: 44100 };

function reasonOf(bytes: Uint8Array): string {
  try {
    parse(bytes);
  } catch (err) {
    if (err instanceof AudioRejectedError) return `${err.reason}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('parseWavHeader', () => {
  it.each([
    ['8-bit PCM', { tag: 1, bits: 8 }, 'pcm'],
    ['16-bit PCM', { tag: 1, bits: 16 }, 'pcm'],
    ['24-bit PCM, extensible', { tag: 1, bits: 24, extensible: true }, 'pcm'],
    ['32-bit PCM', { tag: 1, bits: 32 }, 'pcm'],
    ['32-bit float', { tag: 3, bits: 32 }, 'float'],
    ['64-bit float, extensible', { tag: 3, bits: 64, extensible: true }, 'float'],
    ['A-law', { tag: 6, bits: 8 }, 'alaw'],
    ['µ-law, extensible', { tag: 7, bits: 8, extensible: true }, 'ulaw'],
  ])('reads %s', (_name, partial, codec) => {
    const spec = { channels: 2, sampleRate: 22050, ...partial } as WavSpec;
    const frameBytes = (spec.channels * spec.bits) / 8;
    const header = parse(buildWav(spec, Buffer.alloc(frameBytes * 100)));
    expect(header).toMatchObject({ codec, channels: 2, sampleRate: 22050, bitsPerSample: spec.bits, frames: 100 });
  });

  it('skips chunks before the data, honouring the pad byte of odd-sized ones', () => {
    const bytes = buildWav({ ...pcm16, chunks: [{ id: 'LIST', body: Buffer.alloc(7, 1) }] }, Buffer.alloc(400));
    const header = parse(bytes);
    expect(header.dataOffset).toBe(bytes.length - 400);
    expect(header.frames).toBe(100);
  });

  it('takes the frame count of ADPCM from the fact chunk (the last block is padded)', () => {
    const fact = Buffer.alloc(4);
    fact.writeUInt32LE(1000, 0);
    // IMA ADPCM mono, 256-byte blocks of 505 samples: 3 blocks hold 1515, the file says 1000 are real.
    const spec: WavSpec = { tag: 0x11, bits: 4, channels: 1, sampleRate: 8000, blockAlign: 256 };
    expect(parse(buildWav(spec, Buffer.alloc(768))).frames).toBe(1515);
    expect(parse(buildWav({ ...spec, chunks: [{ id: 'fact', body: fact }] }, Buffer.alloc(768))).frames).toBe(1000);
  });

  it('reads to the end when the data size is a streaming placeholder, in whole frames', () => {
    expect(parse(buildWav({ ...pcm16, declaredDataBytes: 0xffffffff }, Buffer.alloc(402))).frames).toBe(100);
  });

  it('refuses truncated files: inside the fmt chunk, before the data chunk, short data', () => {
    const whole = buildWav(pcm16, Buffer.alloc(400));
    expect(reasonOf(whole.subarray(0, 30))).toMatch(/^truncated: .*inside the fmt chunk/);
    expect(reasonOf(whole.subarray(0, 40))).toMatch(/^truncated: .*before the data chunk/);
    expect(reasonOf(whole.subarray(0, whole.length - 100))).toMatch(
      /^truncated: .*declares 400 bytes but only 300 are present/,
    );
  });

  it('refuses codecs and depths the decoder does not read as unsupported', () => {
    expect(reasonOf(buildWav({ ...pcm16, tag: 0x55 }, Buffer.alloc(4)))).toMatch(
      /^unsupported-format: WAV codec 0x0055/,
    );
    expect(reasonOf(buildWav({ ...pcm16, bits: 12, blockAlign: 4 }, Buffer.alloc(4)))).toMatch(
      /^unsupported-format: 12-bit pcm/,
    );
  });

  it('refuses contradictory headers as corrupt', () => {
    expect(reasonOf(buildWav({ ...pcm16, channels: 0 }, Buffer.alloc(4)))).toMatch(/^corrupt: .*0 channels/);
    expect(reasonOf(buildWav({ ...pcm16, blockAlign: 3 }, Buffer.alloc(4)))).toMatch(/^corrupt: .*block align 3/);
    expect(reasonOf(buildWav({ ...pcm16, sampleRate: 100 }, Buffer.alloc(4)))).toMatch(/^corrupt: .*100 Hz/);
    const dataFirst = Buffer.from('RIFF\x10\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00', 'latin1');
    expect(reasonOf(dataFirst)).toMatch(/^corrupt: .*data chunk comes before the fmt chunk/);
  });

  it('builds a canonical header that parses to the same format and data size', () => {
    const original = parse(
      buildWav({ ...pcm16, extensible: true, chunks: [{ id: 'bext', body: Buffer.alloc(601) }] }, Buffer.alloc(800)),
    );
    const rebuilt = parse(Buffer.concat([canonicalWavHeader(original), Buffer.alloc(original.dataBytes)]));
    expect(rebuilt).toMatchObject({
      codec: original.codec,
      channels: original.channels,
      sampleRate: original.sampleRate,
      bitsPerSample: original.bitsPerSample,
      dataBytes: 800,
      frames: 200,
    });
  });
});
