/**
 * G.711 µ-law and A-law companding (ITU-T G.711), bit-exact with the ITU-T G.191 reference
 * (`ulaw_compress` / `alaw_compress` / `*_expand` of the STL).
 *
 * Input is 16-bit linear PCM; G.711 uses its 14 (µ-law) or 13 (A-law) most significant bits
 * and truncates the rest. Negative samples are taken in one's complement before truncation,
 * as G.191 does. This is where the classic Sun `g711.c` (and the npm packages `g711` and
 * `alawmulaw`, and SoX) differ: Sun's µ-law negates in two's complement, which puts some
 * negative inputs one code off; SoX additionally rounds to 14/13 bits instead of truncating.
 *
 * Encoding is a lookup in a 65,536-entry table per law, built once at load (128 KB in all);
 * decoding uses a 256-entry table.
 */

/** The two G.711 laws by their RTP names: PCMU = µ-law (payload type 0), PCMA = A-law (8). */
export type G711Codec = 'PCMU' | 'PCMA';

/** Encodes one 16-bit linear sample to a µ-law code (G.191 `ulaw_compress`). */
export function ulawEncodeSample(sample: number): number {
  // One's complement magnitude, right-justified to 14 bits, plus the µ-law bias of 33, clipped.
  let magnitude = ((sample < 0 ? ~sample : sample) >> 2) + 33;
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  // The segment is the position of the leading 1 (bit 5 for segment 0 … bit 12 for segment 7).
  const segment = 26 - Math.clz32(magnitude);
  const code = ((7 - segment) << 4) | (15 - ((magnitude >> (segment + 1)) & 15));
  return sample >= 0 ? code | 0x80 : code;
}

/** Decodes one µ-law code to 16-bit linear (G.191 `ulaw_expand`): the middle of the quantisation step. */
export function ulawDecodeSample(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 7;
  const mantissa = inverted & 15;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  // `0 - magnitude`, not `-magnitude`: code 0x7f ("negative zero") must decode to +0.
  return code & 0x80 ? magnitude : 0 - magnitude;
}

/** Encodes one 16-bit linear sample to an A-law code (G.191 `alaw_compress`), even bits inverted. */
export function alawEncodeSample(sample: number): number {
  // One's complement magnitude, right-justified to 12 bits (0 … 2047).
  const magnitude = (sample < 0 ? ~sample : sample) >> 4;
  let code: number;
  if (magnitude < 16) {
    code = magnitude;
  } else {
    // Leading 1 at bit 4 → segment 1 … bit 10 → segment 7; the 4 bits after it are the mantissa.
    const segment = 28 - Math.clz32(magnitude);
    code = (segment << 4) | ((magnitude >> (segment - 1)) & 15);
  }
  return (sample >= 0 ? code | 0x80 : code) ^ 0x55;
}

/** Decodes one A-law code to 16-bit linear (G.191 `alaw_expand`): the middle of the quantisation step. */
export function alawDecodeSample(code: number): number {
  const toggled = (code ^ 0x55) & 0x7f;
  const segment = toggled >> 4;
  let mantissa = toggled & 15;
  if (segment > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (segment > 1) mantissa <<= segment - 1;
  return code & 0x80 ? mantissa : -mantissa;
}

function encodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  // Indexed by the sample's 16-bit two's-complement pattern (sample & 0xffff).
  for (let pattern = 0; pattern < 65536; pattern += 1) table[pattern] = encode((pattern << 16) >> 16);
  return table;
}

function decodeTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code += 1) table[code] = decode(code);
  return table;
}

const ULAW_ENCODE = encodeTable(ulawEncodeSample);
const ALAW_ENCODE = encodeTable(alawEncodeSample);
const ULAW_DECODE = decodeTable(ulawDecodeSample);
const ALAW_DECODE = decodeTable(alawDecodeSample);

function encodeInto(table: Uint8Array, pcm: Int16Array, out: Uint8Array, offset: number): void {
  if (offset < 0 || offset + pcm.length > out.length) throw new RangeError('G.711 output buffer too small');
  for (let i = 0; i < pcm.length; i += 1) out[offset + i] = table[pcm[i] & 0xffff]!;
}

function decodeInto(table: Int16Array, codes: Uint8Array, out: Int16Array, offset: number): void {
  if (offset < 0 || offset + codes.length > out.length) throw new RangeError('G.711 output buffer too small');
  for (let i = 0; i < codes.length; i += 1) out[offset + i] = table[codes[i]]!;
}

/** Writes the µ-law codes of `pcm` into `out` from `offset` (one byte per sample). */
export function encodeUlawInto(pcm: Int16Array, out: Uint8Array, offset = 0): void {
  encodeInto(ULAW_ENCODE, pcm, out, offset);
}

/** Writes the A-law codes of `pcm` into `out` from `offset` (one byte per sample). */
export function encodeAlawInto(pcm: Int16Array, out: Uint8Array, offset = 0): void {
  encodeInto(ALAW_ENCODE, pcm, out, offset);
}

/** Writes the linear samples of µ-law `codes` into `out` from `offset`. */
export function decodeUlawInto(codes: Uint8Array, out: Int16Array, offset = 0): void {
  decodeInto(ULAW_DECODE, codes, out, offset);
}

/** Writes the linear samples of A-law `codes` into `out` from `offset`. */
export function decodeAlawInto(codes: Uint8Array, out: Int16Array, offset = 0): void {
  decodeInto(ALAW_DECODE, codes, out, offset);
}

/** 16-bit linear PCM → µ-law, one byte per sample. */
export function encodeUlaw(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  encodeUlawInto(pcm, out);
  return out;
}

/** µ-law → 16-bit linear PCM. */
export function decodeUlaw(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  decodeUlawInto(codes, out);
  return out;
}

/** 16-bit linear PCM → A-law, one byte per sample. */
export function encodeAlaw(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  encodeAlawInto(pcm, out);
  return out;
}

/** A-law → 16-bit linear PCM. */
export function decodeAlaw(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  decodeAlawInto(codes, out);
  return out;
}
