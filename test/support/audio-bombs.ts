/**
 * Hostile audio files, built byte by byte from the specifications (RFC 9639 for FLAC, RIFF
 * for WAV), not with the code under test: a decompression bomb and absurd declared values.
 */

/** CRC-8 of a FLAC frame header: polynomial x^8 + x^2 + x + 1, initial 0. */
function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i += 1) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** CRC-16 of a FLAC frame: polynomial x^16 + x^15 + x^2 + 1, initial 0. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** FLAC's UTF-8-like coding of a frame number. */
function codedNumber(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x800) return [0xc0 | (n >> 6), 0x80 | (n & 0x3f)];
  if (n < 0x10000) return [0xe0 | (n >> 12), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f)];
  return [0xf0 | (n >> 18), 0x80 | ((n >> 12) & 0x3f), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f)];
}

/** A frame header's sample rate code and the bytes it puts at the header's end (RFC 9639 §9.1.2). */
function rateCode(rate: number): [code: number, tail: number[]] {
  const codes: Record<number, number> = { 88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6 };
  Object.assign(codes, { 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11 });
  if (codes[rate] !== undefined) return [codes[rate], []];
  if (rate % 10 === 0 && rate / 10 < 0x10000) return [14, [(rate / 10) >> 8, (rate / 10) & 0xff]];
  return [0, []]; // "from STREAMINFO"
}

export interface FlacBombOptions {
  /** Declared in STREAMINFO (20 bits: up to 1,048,575). */
  readonly sampleRate: number;
  /** 1–8. */
  readonly channels: number;
  /** Frames of 65,535 constant 16-bit samples per channel, ~36 bytes each. */
  readonly frames: number;
  /** STREAMINFO's total samples; 0 = unknown (what a streaming encoder writes). */
  readonly totalSamples?: number;
}

/**
 * A FLAC stream whose every frame is 65,535 samples × `channels` of one constant value:
 * ~36 bytes that decode to 2 MB of float for 8 channels, ~58,000:1.
 */
export function flacBomb(options: FlacBombOptions): Buffer {
  const blockSize = 65_535;
  const info = Buffer.alloc(34);
  info.writeUInt16BE(blockSize, 0);
  info.writeUInt16BE(blockSize, 2);
  // min/max frame size (3 bytes each) unknown: 0.
  const total = options.totalSamples ?? 0;
  // rate (20) | channels − 1 (3) | bits − 1 (5) | total samples (36)
  info[10] = (options.sampleRate >> 12) & 0xff;
  info[11] = (options.sampleRate >> 4) & 0xff;
  info[12] = ((options.sampleRate & 0x0f) << 4) | ((options.channels - 1) << 1) | (15 >> 4);
  info[13] = ((15 & 0x0f) << 4) | Math.floor(total / 2 ** 32);
  info.writeUInt32BE(total % 2 ** 32, 14);
  const parts: Buffer[] = [Buffer.from('fLaC'), Buffer.from([0x80, 0, 0, 34]), info];
  // Each frame states its rate: the decoder decodes frames without the STREAMINFO.
  const [rate, rateTail] = rateCode(options.sampleRate);
  for (let n = 0; n < options.frames; n += 1) {
    const header = Buffer.from([
      0xff,
      0xf8, // sync, fixed block size
      0x70 | rate, // block size: 16 bits at the end of the header
      ((options.channels - 1) << 4) | (0b100 << 1), // independent channels; 16-bit samples
      ...codedNumber(n),
      (blockSize - 1) >> 8,
      (blockSize - 1) & 0xff,
      ...rateTail,
    ]);
    const subframes = Buffer.alloc(3 * options.channels);
    for (let c = 0; c < options.channels; c += 1) {
      subframes[3 * c] = 0; // CONSTANT, no wasted bits
      subframes.writeInt16BE(1000, 3 * c + 1);
    }
    const frame = Buffer.concat([header, Buffer.from([crc8(header)]), subframes]);
    const crc = Buffer.alloc(2);
    crc.writeUInt16BE(crc16(frame));
    parts.push(frame, crc);
  }
  return Buffer.concat(parts);
}

/** A 16-bit PCM WAV of `dataBytes` silence whose `fmt ` declares `sampleRate` and `channels`. */
export function wavDeclaring(sampleRate: number, channels: number, dataBytes = 1600): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate >>> 0, 24);
  header.writeUInt32LE((sampleRate * channels * 2) >>> 0, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, Buffer.alloc(dataBytes)]);
}
