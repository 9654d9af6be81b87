/**
 * What an upload may declare, checked from its stream header before any decoding, and again
 * on every decoded block (a FLAC frame or a chained Ogg stream may declare another rate).
 *
 * A rate outside 8–192 kHz is no telephony prompt: the resampler would build a filter in
 * proportion to it (a Vorbis header of 4 GHz asks Speex for one ~500,000 times too long), and
 * more channels than 8 multiply what every decoded frame costs (F14).
 */
import { AudioRejectedError } from './audio-error.js';
import type { ByteSource } from './byte-source.js';
import type { AudioFormat } from './formats.js';

export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 192_000;
export const MAX_CHANNELS = 8;

/** What a stream header declares; `frames` when it knows its length (FLAC STREAMINFO, 0 = unknown). */
export interface DeclaredStream {
  readonly sampleRate: number;
  readonly channels: number;
  readonly frames?: number;
}

/** Throws 422 `corrupt` for a rate or channel count out of bounds; `what` says where it was declared. */
export function checkStreamLimits(sampleRate: number, channels: number, what: string): void {
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new AudioRejectedError(
      'corrupt',
      `The ${what} declares ${channels} channels (1–${MAX_CHANNELS} are accepted).`,
    );
  }
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new AudioRejectedError(
      'corrupt',
      `The ${what} declares a sample rate of ${sampleRate} Hz (${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz are accepted).`,
    );
  }
}

const truncated = (what: string) => new AudioRejectedError('truncated', `The file ends inside its ${what}.`);

/** FLAC STREAMINFO (the 34-byte body): rate 20 bits, channels − 1 3 bits, total samples 36 bits. */
function streamInfo(info: Uint8Array): DeclaredStream {
  if (info.length < 18) throw truncated('FLAC STREAMINFO block');
  const sampleRate = (info[10] << 12) | (info[11] << 4) | (info[12] >> 4);
  const channels = ((info[12] >> 1) & 7) + 1;
  const frames =
    (info[13] & 0x0f) * 2 ** 32 + ((info[14] << 24) >>> 0) + ((info[15] << 16) | (info[16] << 8) | info[17]);
  return { sampleRate, channels, frames };
}

/** The first packet of an Ogg stream (sniffFormat has checked that it is there). */
function firstOggPacket(source: ByteSource): Uint8Array {
  const page = source.read(0, 27 + 255 + 64);
  return page.subarray(27 + page[26]);
}

/**
 * The rate, channels and (when known) length the header of `source` declares, checked
 * against the limits; undefined for formats whose headers cannot go out of bounds (MP3:
 * 8–48 kHz, 1–2 channels by construction) or are checked elsewhere (WAV: wav-header.ts).
 * `streamStart` is where the FLAC stream starts (after an ID3 tag).
 */
export function declaredStream(format: AudioFormat, source: ByteSource, streamStart = 0): DeclaredStream | undefined {
  let declared: DeclaredStream;
  switch (format) {
    case 'wav':
    case 'mp3':
      return undefined;
    case 'flac':
      // "fLaC", then the STREAMINFO block's 4-byte header (sniffFormat checked type and size).
      declared = streamInfo(source.read(streamStart + 8, 34));
      break;
    case 'ogg-flac': {
      // 0x7F "FLAC", version (2), header count (2), "fLaC", block header (4), STREAMINFO.
      declared = streamInfo(firstOggPacket(source).subarray(17, 17 + 34));
      break;
    }
    case 'ogg-vorbis': {
      // 0x01 "vorbis", version (4), channels (1), rate (4, little-endian).
      const id = firstOggPacket(source);
      if (id.length < 16) throw truncated('Vorbis identification header');
      declared = { channels: id[11], sampleRate: Buffer.from(id.subarray(12, 16)).readUInt32LE(0) };
      break;
    }
    case 'ogg-opus': {
      // "OpusHead", version (1), channels (1); Opus always decodes at 48 kHz.
      const id = firstOggPacket(source);
      if (id.length < 10) throw truncated('Opus identification header');
      declared = { channels: id[9], sampleRate: 48_000 };
      break;
    }
  }
  checkStreamLimits(declared.sampleRate, declared.channels, 'stream header');
  return declared;
}
