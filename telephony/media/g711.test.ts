import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alawDecodeSample,
  alawEncodeSample,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  ulawDecodeSample,
  ulawEncodeSample,
} from './g711.js';

// A literal transcription of the ITU-T G.191 STL reference (g711.c: ulaw_compress, ulaw_expand,
// alaw_compress, alaw_expand), written loop-for-loop so it shares nothing with the table code.
function g191UlawCompress(linear: number): number {
  let absno = linear < 0 ? (~linear >> 2) + 33 : (linear >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno += 1;
    i >>= 1;
  }
  const highNibble = 0x0008 - segno;
  const lowNibble = 0x000f - ((absno >> segno) & 0x000f);
  let log = (highNibble << 4) | lowNibble;
  if (linear >= 0) log |= 0x0080;
  return log;
}

function g191UlawExpand(log: number): number {
  const sign = log < 0x0080 ? -1 : 1;
  let mantissa = ~log;
  const exponent = (mantissa >> 4) & 0x0007;
  const segment = exponent + 1;
  mantissa &= 0x000f;
  const step = 4 << segment;
  return sign * ((0x0080 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

function g191AlawCompress(linear: number): number {
  let ix = linear < 0 ? ~linear >> 4 : linear >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp += 1;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (linear >= 0) ix |= 0x0080;
  return ix ^ 0x0055;
}

function g191AlawExpand(log: number): number {
  let ix = log ^ 0x0055;
  ix &= 0x007f;
  const iexp = ix >> 4;
  let mant = ix & 0x000f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 0x0008;
  if (iexp > 1) mant <<= iexp - 1;
  return log > 127 ? mant : -mant;
}

/** Every 16-bit sample, -32768 … 32767. */
const allSamples = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const allCodes = Uint8Array.from({ length: 256 }, (_, i) => i);
const hex = (code: number): string => `0x${code.toString(16).padStart(2, '0')}`;

describe('G.711 reference values (ITU-T G.711 tables / G.191)', () => {
  it.each([
    [0, '0xff'],
    [-1, '0x7f'], // negative zero: one's complement keeps tiny negatives in the first step
    [1, '0xff'],
    [7, '0xfe'],
    [-4, '0x7f'],
    [-5, '0x7e'],
    [-8, '0x7e'],
    [32767, '0x80'],
    [-32768, '0x00'],
    [32124, '0x80'],
    [-32124, '0x00'],
    [123, '0xf0'],
    [124, '0xef'],
  ])('µ-law encodes %i as %s', (sample, code) => {
    expect(hex(ulawEncodeSample(sample))).toBe(code);
  });

  it.each([
    ['0xff', 0],
    ['0x7f', 0],
    ['0xfe', 8],
    ['0x7e', -8],
    ['0xef', 132],
    ['0x80', 32124],
    ['0x00', -32124],
    ['0xc0', 1884],
  ])('µ-law decodes %s as %i', (code, sample) => {
    expect(ulawDecodeSample(Number(code))).toBe(sample);
  });

  it.each([
    [0, '0xd5'],
    [-1, '0x55'],
    [15, '0xd5'],
    [16, '0xd4'],
    [-17, '0x54'],
    [256, '0xc5'],
    [32767, '0xaa'],
    [-32768, '0x2a'],
  ])('A-law encodes %i as %s', (sample, code) => {
    expect(hex(alawEncodeSample(sample))).toBe(code);
  });

  it.each([
    ['0xd5', 8],
    ['0x55', -8],
    ['0xd4', 24],
    ['0xc5', 264],
    ['0xaa', 32256],
    ['0x2a', -32256],
  ])('A-law decodes %s as %i', (code, sample) => {
    expect(alawDecodeSample(Number(code))).toBe(sample);
  });
});

describe('G.711 against the G.191 reference algorithm, exhaustively', () => {
  it('encodes all 65,536 samples exactly as ulaw_compress / alaw_compress', () => {
    const ulaw = encodeUlaw(allSamples);
    const alaw = encodeAlaw(allSamples);
    const badUlaw: number[] = [];
    const badAlaw: number[] = [];
    allSamples.forEach((sample, i) => {
      if (ulaw[i] !== g191UlawCompress(sample)) badUlaw.push(sample);
      if (alaw[i] !== g191AlawCompress(sample)) badAlaw.push(sample);
    });
    expect(badUlaw).toEqual([]);
    expect(badAlaw).toEqual([]);
  });

  it('decodes all 256 codes exactly as ulaw_expand / alaw_expand', () => {
    expect(Array.from(decodeUlaw(allCodes))).toEqual(Array.from(Int16Array.from(allCodes, g191UlawExpand)));
    expect(Array.from(decodeAlaw(allCodes))).toEqual(Array.from(Int16Array.from(allCodes, g191AlawExpand)));
  });

  it('re-encodes every decoded value to an equivalent code (idempotent quantisation)', () => {
    for (const code of allCodes) {
      const ulaw = ulawDecodeSample(code);
      expect(ulawDecodeSample(ulawEncodeSample(ulaw))).toBe(ulaw);
      const alaw = alawDecodeSample(code);
      expect(alawEncodeSample(alaw)).toBe(code);
    }
  });

  it('is monotonic: a larger sample never decodes to a smaller value', () => {
    const ulaw = decodeUlaw(encodeUlaw(allSamples));
    const alaw = decodeAlaw(encodeAlaw(allSamples));
    const decreasing = allSamples.filter((_, i) => i > 0 && (ulaw[i] < ulaw[i - 1] || alaw[i] < alaw[i - 1]));
    expect(Array.from(decreasing)).toEqual([]);
  });
});

/**
 * SoX (Debian's libsox, an independent implementation) as a second oracle. SoX does not
 * truncate like G.711: it first rounds the sample to the nearest 14-bit (µ-law) or 13-bit
 * (A-law) value, clipping at the top, then applies Sun's g711.c, whose µ-law negates in
 * two's complement. Both are exact input shifts, so SoX's code for `x` must equal G.711's
 * code for:
 *   µ-law: x + 2 when x ≥ -2 (capped at 32767), else x - 2 (floored at -32768);
 *   A-law: x + 4 (capped at 32767).
 * Decoding has no such difference and must match exactly. Dither is off (-D): SoX would
 * otherwise add noise when reducing to 14/13 bits.
 */
describe('G.711 against SoX, exhaustively', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'voicecast-g711-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function sox(args: string[]): void {
    // A missing or failing sox must fail the test run, never skip it.
    execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  it.each([
    ['u-law', encodeUlaw, (x: number) => (x >= -2 ? Math.min(x + 2, 32767) : Math.max(x - 2, -32768))],
    ['a-law', encodeAlaw, (x: number) => Math.min(x + 4, 32767)],
  ] as const)('encodes like sox -e %s, modulo its documented rounding', (encoding, encode, soxInput) => {
    const input = join(dir, 'all.s16');
    const output = join(dir, `all.${encoding}`);
    writeFileSync(input, Buffer.from(allSamples.buffer));
    sox([
      '-D',
      '-t',
      'raw',
      '-r',
      '8000',
      '-e',
      'signed',
      '-b',
      '16',
      '-c',
      '1',
      '-L',
      input,
      '-t',
      'raw',
      '-e',
      encoding,
      output,
    ]);
    const soxCodes = readFileSync(output);
    expect(soxCodes.length).toBe(65536);

    const shifted = encode(Int16Array.from(allSamples, soxInput));
    const mismatches = allSamples.filter((_, i) => soxCodes[i] !== shifted[i]);
    expect(Array.from(mismatches.slice(0, 10))).toEqual([]);

    // The comparison is not vacuous: without the shift, SoX and G.711 really do differ.
    const direct = encode(allSamples);
    expect(allSamples.filter((_, i) => soxCodes[i] !== direct[i]).length).toBeGreaterThan(400);
  });

  it.each([
    ['u-law', decodeUlaw],
    ['a-law', decodeAlaw],
  ] as const)('decodes all 256 codes exactly like sox -e %s', (encoding, decode) => {
    const input = join(dir, `codes.${encoding}`);
    const output = join(dir, `codes.${encoding}.s16`);
    writeFileSync(input, allCodes);
    sox([
      '-t',
      'raw',
      '-r',
      '8000',
      '-e',
      encoding,
      '-b',
      '8',
      '-c',
      '1',
      input,
      '-t',
      'raw',
      '-e',
      'signed',
      '-b',
      '16',
      '-L',
      output,
    ]);
    const bytes = readFileSync(output);
    const soxSamples = new Int16Array(256);
    for (let i = 0; i < 256; i += 1) soxSamples[i] = bytes.readInt16LE(i * 2);
    expect(Array.from(decode(allCodes))).toEqual(Array.from(soxSamples));
  });
});
