/**
 * Cuts a native FLAC stream into pieces for the decoder, each starting at a frame header and
 * declaring at most a budget of samples (block size × channels, summed over its frames), so
 * that no one `decode()` returns more than the budget however well the frames compress (F14:
 * a ~28-byte frame may declare 8 × 65,535 samples).
 *
 * Frame-aligned on purpose: the decoder (codec-parser) silently drops a frame whose header is
 * split between two chunks, so cutting anywhere else loses audio.
 *
 * A frame header is the sync code 0xFFF8/0xFFF9, fields that are not reserved, and a valid
 * CRC-8 (RFC 9639 §9.1). Random data passes that by chance (~1 in 60,000 positions); such a
 * false start only makes a piece end early.
 */
import type { ByteSource } from './byte-source.js';

/** Bytes scanned per read; headers are at most 16 bytes, so windows overlap by that much. */
const WINDOW = 64 * 1024;
const MAX_HEADER = 16;

function crc8(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i += 1) {
    crc ^= bytes[i];
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** How many 10xxxxxx bytes follow a lead byte of FLAC's UTF-8-style number; -1 if not a lead. */
function continuationBytes(lead: number): number {
  if (lead < 0x80) return 0;
  if (lead < 0xc0 || lead === 0xff) return -1;
  let extra = 0;
  for (let mask = 0x40; lead & mask; mask >>= 1) extra += 1;
  return extra;
}

/** What a frame header at `at` declares: block size (samples per channel) and channels. */
export interface FrameHeader {
  readonly blockSize: number;
  readonly channels: number;
}

/** The frame header at `at`, or undefined when there is none. */
export function frameHeader(b: Uint8Array, at: number): FrameHeader | undefined {
  if (at + MAX_HEADER > b.length || b[at] !== 0xff || (b[at + 1] & 0xfe) !== 0xf8) return undefined;
  const sizeCode = b[at + 2] >> 4;
  const rateCode = b[at + 2] & 0x0f;
  const channelCode = b[at + 3] >> 4;
  const depthCode = (b[at + 3] >> 1) & 7;
  if (sizeCode === 0 || rateCode === 15 || channelCode > 10 || depthCode === 3 || b[at + 3] & 1) return undefined;
  // The coded frame or sample number: 1 to 7 bytes, UTF-8 style (a lead of 10xxxxxx or 0xFF is none).
  const extra = continuationBytes(b[at + 4]);
  if (extra < 0) return undefined;
  let end = at + 5 + extra;
  for (let i = at + 5; i < end; i += 1) if ((b[i] & 0xc0) !== 0x80) return undefined;
  let blockSize: number;
  if (sizeCode === 1) blockSize = 192;
  else if (sizeCode <= 5) blockSize = 576 << (sizeCode - 2);
  else if (sizeCode === 6) blockSize = b[end++] + 1;
  else if (sizeCode === 7) {
    blockSize = ((b[end] << 8) | b[end + 1]) + 1;
    end += 2;
  } else blockSize = 256 << (sizeCode - 8);
  if (rateCode === 12) end += 1;
  else if (rateCode === 13 || rateCode === 14) end += 2;
  if (crc8(b, at, end) !== b[end]) return undefined;
  return { blockSize, channels: channelCode < 8 ? channelCode + 1 : 2 };
}

/** A byte range `[from, to)` and the frames (samples per channel) its headers declare. */
export interface FlacPiece {
  readonly from: number;
  readonly to: number;
  readonly frames: number;
}

/**
 * Pieces covering `[start, end)` in order, cut only at frame headers, each declaring at most
 * `budget` samples (all channels) unless a single frame declares more (then it is alone).
 */
export function* flacPieces(source: ByteSource, start: number, end: number, budget: number): Generator<FlacPiece> {
  let pieceStart = start;
  let declared = 0;
  let frames = 0;
  for (let window = start; window < end; window += WINDOW) {
    const bytes = source.read(window, Math.min(WINDOW + MAX_HEADER, end - window));
    const last = Math.min(WINDOW, bytes.length);
    for (let i = 0; i < last; i += 1) {
      if (bytes[i] !== 0xff) continue;
      const header = frameHeader(bytes, i);
      if (!header) continue;
      const samples = header.blockSize * header.channels;
      const at = window + i;
      if (declared > 0 && declared + samples > budget && at > pieceStart) {
        yield { from: pieceStart, to: at, frames };
        pieceStart = at;
        declared = 0;
        frames = 0;
      }
      declared += samples;
      frames += header.blockSize;
    }
  }
  if (end > pieceStart) yield { from: pieceStart, to: end, frames };
}
