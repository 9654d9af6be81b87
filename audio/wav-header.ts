/**
 * WAV header validation, done before any decoding so a bad file gets a precise reason and a
 * too-long one is refused without decoding it.
 *
 * Walks the RIFF chunks (with the even-size padding RIFF requires), reads `fmt ` (plain or
 * WAVE_FORMAT_EXTENSIBLE, where the codec is the sub-format GUID's first two bytes), checks
 * that the codec is one the decoder reads and that the numbers agree, and locates the audio
 * data. The decoder is then given a canonical header built from this result plus the data
 * bytes only, so what it decodes is exactly what was validated (the decoder itself neither
 * pads odd chunks nor reports truncation).
 */
import { AudioRejectedError } from './audio-error.js';
import type { ByteSource } from './byte-source.js';
import { MAX_CHANNELS, MAX_SAMPLE_RATE as MAX_RATE, MIN_SAMPLE_RATE as MIN_RATE } from './stream-limits.js';

export type WavCodec = 'pcm' | 'float' | 'alaw' | 'ulaw' | 'ima-adpcm' | 'ms-adpcm';

const CODECS: Readonly<Record<number, WavCodec>> = {
  0x0001: 'pcm',
  0x0002: 'ms-adpcm',
  0x0003: 'float',
  0x0006: 'alaw',
  0x0007: 'ulaw',
  0x0011: 'ima-adpcm',
};
const EXTENSIBLE = 0xfffe;
/** Declared data sizes writers use when they cannot seek back ("until the end of the file"). */
const STREAMING_SIZES = new Set([0, 0xffffffff]);

export interface WavHeader {
  readonly codec: WavCodec;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly blockAlign: number;
  /** The `fmt ` chunk body as found (the decoder needs the ADPCM extension fields). */
  readonly fmt: Uint8Array;
  readonly dataOffset: number;
  /** Audio bytes to decode: whole blocks only. */
  readonly dataBytes: number;
  /** Sample frames (samples per channel) in `dataBytes`; for ADPCM as the `fact` chunk declares. */
  readonly frames: number;
}

const truncated = (what: string) => new AudioRejectedError('truncated', `The WAV file is truncated: ${what}.`);
const corrupt = (what: string) => new AudioRejectedError('corrupt', `The WAV header is invalid: ${what}.`);

/** Reads and validates the header of a RIFF/WAVE file; throws {@link AudioRejectedError}. */
export function parseWavHeader(source: ByteSource): WavHeader {
  let fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes' | 'frames'> | undefined;
  let samplesPerBlock = 0;
  let factFrames: number | undefined;
  for (let offset = 12; ;) {
    const chunk = source.read(offset, 8);
    if (chunk.length < 8) throw truncated(fmt ? 'it ends before the data chunk' : 'it ends before the fmt chunk');
    const id = String.fromCharCode(...chunk.subarray(0, 4));
    const size = Buffer.from(chunk).readUInt32LE(4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + size > source.size) throw truncated('it ends inside the fmt chunk');
      fmt = parseFmt(source.read(body, size));
      samplesPerBlock = adpcmSamplesPerBlock(fmt);
    } else if (id === 'fact' && size >= 4 && body + 4 <= source.size) {
      factFrames = Buffer.from(source.read(body, 4)).readUInt32LE(0);
    } else if (id === 'data') {
      if (!fmt) throw corrupt('the data chunk comes before the fmt chunk');
      const available = source.size - body;
      if (!STREAMING_SIZES.has(size) && size > available) {
        throw truncated(`the data chunk declares ${size} bytes but only ${available} are present`);
      }
      const usable = STREAMING_SIZES.has(size) ? available : size;
      const blocks = Math.floor(usable / fmt.blockAlign);
      let frames = samplesPerBlock ? blocks * samplesPerBlock : blocks;
      // ADPCM pads its last block; the fact chunk says how many frames are real.
      if (samplesPerBlock && factFrames !== undefined && factFrames > 0) frames = Math.min(frames, factFrames);
      return { ...fmt, dataOffset: body, dataBytes: blocks * fmt.blockAlign, frames };
    }
    offset = body + size + (size % 2);
  }
}

function parseFmt(chunk: Uint8Array): Omit<WavHeader, 'dataOffset' | 'dataBytes' | 'frames'> {
  const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (view.length < 16) throw corrupt(`the fmt chunk has ${view.length} bytes, at least 16 are needed`);
  let tag = view.readUInt16LE(0);
  if (tag === EXTENSIBLE) {
    if (view.length < 40) throw corrupt('the WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes');
    tag = view.readUInt16LE(24);
  }
  const codec = CODECS[tag];
  if (!codec) {
    throw new AudioRejectedError(
      'unsupported-format',
      `WAV codec 0x${tag.toString(16).padStart(4, '0')} is not supported; ` +
        'WAV must be PCM (8–32 bit), IEEE float, µ-law, A-law or IMA/MS ADPCM.',
    );
  }
  const channels = view.readUInt16LE(2);
  const sampleRate = view.readUInt32LE(4);
  const blockAlign = view.readUInt16LE(12);
  const bitsPerSample = view.readUInt16LE(14);
  if (channels === 0 || channels > MAX_CHANNELS) throw corrupt(`${channels} channels`);
  if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
    throw corrupt(`a sample rate of ${sampleRate} Hz (${MIN_RATE}–${MAX_RATE} Hz are accepted)`);
  }
  checkBits(codec, bitsPerSample, blockAlign, channels);
  return { codec, channels, sampleRate, bitsPerSample, blockAlign, fmt: chunk };
}

const BITS: Readonly<Record<WavCodec, readonly number[]>> = {
  pcm: [8, 16, 24, 32],
  float: [32, 64],
  alaw: [8],
  ulaw: [8],
  'ima-adpcm': [4],
  'ms-adpcm': [4],
};

function checkBits(codec: WavCodec, bits: number, blockAlign: number, channels: number): void {
  if (!BITS[codec].includes(bits)) {
    throw new AudioRejectedError(
      'unsupported-format',
      `${bits}-bit ${codec} WAV is not supported (${BITS[codec].join('/')}-bit is).`,
    );
  }
  const adpcm = codec === 'ima-adpcm' || codec === 'ms-adpcm';
  // ADPCM blocks start with a per-channel header (IMA 4 bytes, MS 7) and need some data after it.
  const minimum = adpcm ? (codec === 'ima-adpcm' ? 8 * channels : 7 * channels + 1) : (channels * bits) / 8;
  if (adpcm ? blockAlign < minimum : blockAlign !== minimum) {
    throw corrupt(`block align ${blockAlign} for ${channels} channel(s) of ${bits}-bit ${codec}`);
  }
}

/** Samples per channel in one ADPCM block: from the fmt extension, else derived as the decoder does. */
function adpcmSamplesPerBlock(fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes' | 'frames'>): number {
  if (fmt.codec !== 'ima-adpcm' && fmt.codec !== 'ms-adpcm') return 0;
  const view = Buffer.from(fmt.fmt.buffer, fmt.fmt.byteOffset, fmt.fmt.byteLength);
  const declared = view.length >= 20 && view.readUInt16LE(16) >= 2 ? view.readUInt16LE(18) : 0;
  if (declared) return declared;
  const perChannel = fmt.blockAlign / fmt.channels;
  return fmt.codec === 'ima-adpcm'
    ? 1 + (perChannel - 4) * 2
    : 2 + ((fmt.blockAlign - 7 * fmt.channels) * 2) / fmt.channels;
}

/** A minimal RIFF header (the original `fmt ` body, then a `data` chunk header) for `header`'s data. */
export function canonicalWavHeader(header: WavHeader): Uint8Array {
  const fmtPadded = header.fmt.length + (header.fmt.length % 2);
  const out = Buffer.alloc(12 + 8 + fmtPadded + 8);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(Math.min(0xffffffff, out.length - 8 + header.dataBytes), 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  // Declared padded: the decoder does not skip RIFF's pad byte, and a trailing zero in fmt is harmless.
  out.writeUInt32LE(fmtPadded, 16);
  out.set(header.fmt, 20);
  out.write('data', 20 + fmtPadded, 'ascii');
  out.writeUInt32LE(header.dataBytes, 24 + fmtPadded);
  return out;
}
