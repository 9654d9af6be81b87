/**
 * RIFF/WAVE reading and writing for the formats a telephony message comes in.
 *
 * Writing: 16-bit PCM (format 1), one channel, canonical 44-byte header.
 * Reading: 16-bit PCM (1), A-law (6) and µ-law (7), also inside WAVE_FORMAT_EXTENSIBLE
 * (0xFFFE, the format code taken from the sub-format GUID); any channel count (samples come
 * back interleaved). Chunks are walked in order with RIFF's even-size padding; unknown chunks
 * (LIST, fact, cue …) are skipped. Every problem — not a WAVE file, a truncated header or data
 * chunk, an unsupported format — throws a {@link WavFormatError} naming it.
 */
import { endianness } from 'node:os';
import { decodeAlawInto, decodeUlawInto } from './g711.js';

/** A WAV file that cannot be read, with the reason in the message. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

export interface DecodedWav {
  readonly sampleRate: number;
  readonly channels: number;
  /** 16-bit linear samples, interleaved when `channels` > 1. */
  readonly samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
/**
 * Writers that stream to a pipe cannot seek back to fill in the data size and leave a
 * placeholder: 0xFFFFFFFF (ffmpeg), 0x7FFFF000 (SoX). A declared size this large means "until
 * the end of the file", cut to whole frames; a smaller size that overruns the file is a
 * truncated file.
 */
const STREAMING_SIZE = 0x7ffff000;
const MAX_SIZE = 0xffffffff;

/** The canonical header {@link encodeWav} writes. */
export const WAV_HEADER_BYTES = 44;

/**
 * `length` samples of PCM with room for a WAV header before them in the same memory: what
 * {@link encodeWav} turns into a WAV without copying (a call's recording, decoded when the
 * call ends, would otherwise be in memory twice while it waits for the spool; issue 23).
 */
export function pcmWithWavRoom(length: number): Int16Array {
  return new Int16Array(new ArrayBuffer(WAV_HEADER_BYTES + length * 2), WAV_HEADER_BYTES, length);
}

/** Whether `pcm` came from {@link pcmWithWavRoom}: header room before it, nothing after, little-endian samples. */
function hasWavRoom(pcm: Int16Array): boolean {
  return (
    endianness() === 'LE' &&
    pcm.buffer instanceof ArrayBuffer &&
    pcm.byteOffset === WAV_HEADER_BYTES &&
    pcm.buffer.byteLength === WAV_HEADER_BYTES + pcm.byteLength
  );
}

/**
 * A 16-bit PCM mono WAV of `pcm` at `sampleRate` Hz. From {@link pcmWithWavRoom} the header is
 * written into the room before the samples and the WAV shares their memory (no copy);
 * otherwise the WAV is a new buffer.
 */
export function encodeWav(pcm: Int16Array, sampleRate: number): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`invalid sample rate ${sampleRate}`);
  const dataBytes = pcm.length * 2;
  if (dataBytes > MAX_SIZE - 36) throw new RangeError('audio too long for a WAV file');
  const inPlace = hasWavRoom(pcm);
  const out = inPlace
    ? Buffer.from(pcm.buffer as ArrayBuffer, 0, WAV_HEADER_BYTES + dataBytes)
    : Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(FORMAT_PCM, 20);
  out.writeUInt16LE(1, 22); // channels
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  if (!inPlace) for (let i = 0; i < pcm.length; i += 1) out.writeInt16LE(pcm[i], 44 + i * 2);
  return out;
}

interface Format {
  readonly code: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
}

/** Reads a WAV file into 16-bit linear samples; throws {@link WavFormatError} on anything it cannot read. */
export function decodeWav(file: Uint8Array): DecodedWav {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 12) throw new WavFormatError(`not a WAV file: ${buf.length} bytes, shorter than a RIFF header`);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError('not a WAV file: no RIFF/WAVE header');
  }
  let format: Format | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + size > buf.length)
        throw new WavFormatError('truncated WAV: the fmt chunk runs past the end of the file');
      format = parseFormat(buf.subarray(body, body + size));
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('malformed WAV: data chunk before the fmt chunk');
      let end = body + size;
      if (end > buf.length) {
        if (size < STREAMING_SIZE) {
          throw new WavFormatError(
            `truncated WAV: the data chunk declares ${size} bytes, ${buf.length - body} present`,
          );
        }
        end = buf.length - ((buf.length - body) % format.blockAlign);
      }
      return {
        sampleRate: format.sampleRate,
        channels: format.channels,
        samples: decodeData(format, buf.subarray(body, end)),
      };
    }
    offset = body + size + (size % 2); // chunks are padded to an even size
  }
  throw new WavFormatError(format ? 'malformed WAV: no data chunk' : 'malformed WAV: no fmt chunk');
}

function parseFormat(chunk: Buffer): Format {
  if (chunk.length < 16) throw new WavFormatError(`malformed WAV: fmt chunk of ${chunk.length} bytes, needs 16`);
  let code = chunk.readUInt16LE(0);
  const channels = chunk.readUInt16LE(2);
  const sampleRate = chunk.readUInt32LE(4);
  const blockAlign = chunk.readUInt16LE(12);
  const bitsPerSample = chunk.readUInt16LE(14);
  if (code === FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16): the GUID's first two bytes are the format code.
    if (chunk.length < 40)
      throw new WavFormatError('malformed WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes');
    code = chunk.readUInt16LE(24);
  }
  if (channels === 0) throw new WavFormatError('malformed WAV: zero channels');
  if (sampleRate === 0) throw new WavFormatError('malformed WAV: sample rate 0');
  const expectedBits = code === FORMAT_PCM ? 16 : code === FORMAT_ALAW || code === FORMAT_MULAW ? 8 : undefined;
  if (expectedBits === undefined) {
    throw new WavFormatError(`unsupported WAV format code ${code}: only PCM (1), A-law (6) and µ-law (7) are read`);
  }
  if (bitsPerSample !== expectedBits) {
    const name = code === FORMAT_PCM ? 'PCM' : code === FORMAT_ALAW ? 'A-law' : 'µ-law';
    throw new WavFormatError(`unsupported WAV: ${bitsPerSample}-bit ${name}; only ${expectedBits}-bit is read`);
  }
  if (blockAlign !== channels * (expectedBits / 8)) {
    throw new WavFormatError(
      `malformed WAV: block align ${blockAlign} for ${channels} channel(s) of ${bitsPerSample} bits`,
    );
  }
  return { code, channels, sampleRate, blockAlign, bitsPerSample };
}

function decodeData(format: Format, data: Buffer): Int16Array {
  if (data.length % format.blockAlign !== 0) {
    throw new WavFormatError(
      `malformed WAV: ${data.length} data bytes is not a whole number of ${format.blockAlign}-byte frames`,
    );
  }
  if (format.code === FORMAT_PCM) {
    const samples = new Int16Array(data.length / 2);
    for (let i = 0; i < samples.length; i += 1) samples[i] = data.readInt16LE(i * 2);
    return samples;
  }
  const samples = new Int16Array(data.length);
  if (format.code === FORMAT_MULAW) decodeUlawInto(data, samples);
  else decodeAlawInto(data, samples);
  return samples;
}
