/**
 * Format detection from the bytes, never from the file name or the client's Content-Type:
 * a text file renamed .wav is not audio, and a WAV renamed .mp3 is still a WAV.
 *
 * Each accepted format is recognised by its signature plus enough structure that random
 * bytes do not pass: RIFF/WAVE, `fLaC` followed by a STREAMINFO block, an Ogg page whose first
 * packet is a Vorbis/Opus/FLAC identification header, and MPEG audio as two consecutive valid
 * frame headers (after an optional ID3v2 tag). Well-known formats we do not decode get a 415
 * that names them.
 */
import { AudioRejectedError } from './audio-error.js';
import type { ByteSource } from './byte-source.js';
import type { AudioFormat } from './formats.js';

/** How far past the start (or the ID3 tag) we look for the first MPEG frame. */
const MPEG_SYNC_WINDOW = 4096;

const ACCEPTED = 'WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus or Ogg FLAC';

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function unsupported(what: string): AudioRejectedError {
  return new AudioRejectedError('unsupported-format', `${what} is not supported; upload ${ACCEPTED}.`);
}

export interface Sniffed {
  readonly format: AudioFormat;
  /**
   * Channels as the container declares them, when the decoder would report otherwise
   * (mpg123 always returns two channels, also for a mono MP3).
   */
  readonly channels?: number;
  /** Where the stream starts when something precedes it (a FLAC after an ID3 tag). */
  readonly start?: number;
}

/** Identifies the format of `source`; throws {@link AudioRejectedError} (unsupported, truncated, empty). */
export function sniffFormat(source: ByteSource): Sniffed {
  if (source.size === 0) throw new AudioRejectedError('empty', 'The file is empty.');
  const head = source.read(0, 64);
  const magic = ascii(head, 0, 4);
  if (magic === 'RIFF') return { format: riff(head) };
  if (magic === 'fLaC') return { format: flac(head) };
  if (magic === 'OggS') return { format: ogg(source) };
  const mpegStart = magic.startsWith('ID3') ? id3End(head) : 0;
  if (mpegStart > source.size) {
    throw new AudioRejectedError('truncated', 'The file ends inside its ID3 tag: no audio follows.');
  }
  if (mpegStart > 0 && ascii(source.read(mpegStart, 4), 0, 4) === 'fLaC') return { format: 'flac', start: mpegStart };
  const frame = findMpegFrames(source, mpegStart);
  if (frame) return { format: 'mp3', channels: frame.channels };
  throw (
    knownOther(head) ??
    new AudioRejectedError('unsupported-format', `The file is not audio in a format we recognise; upload ${ACCEPTED}.`)
  );
}

function riff(head: Uint8Array): AudioFormat {
  if (head.length < 12) throw new AudioRejectedError('truncated', 'The WAV file ends inside its RIFF header.');
  const form = ascii(head, 8, 4);
  if (form === 'WAVE') return 'wav';
  throw unsupported(`A RIFF file of type "${form.replace(/[^\x20-\x7e]/g, '?')}" (not WAVE)`);
}

function flac(head: Uint8Array): AudioFormat {
  if (head.length < 42) throw new AudioRejectedError('truncated', 'The FLAC file ends inside its STREAMINFO header.');
  // The first metadata block must be STREAMINFO (type 0) of 34 bytes.
  const length = (head[5] << 16) | (head[6] << 8) | head[7];
  if ((head[4] & 0x7f) !== 0 || length !== 34) {
    throw new AudioRejectedError('corrupt', 'The FLAC file has no valid STREAMINFO block.');
  }
  return 'flac';
}

function ogg(source: ByteSource): AudioFormat {
  const page = source.read(0, 27 + 255 + 16);
  if (page.length < 28) throw new AudioRejectedError('truncated', 'The Ogg file ends inside its first page header.');
  const packet = 27 + page[26];
  const id = page.subarray(packet, packet + 8);
  if (id.length < 5) throw new AudioRejectedError('truncated', 'The Ogg file ends before its first packet.');
  if (ascii(id, 0, 7) === '\x01vorbis') return 'ogg-vorbis';
  if (ascii(id, 0, 8) === 'OpusHead') return 'ogg-opus';
  if (ascii(id, 0, 5) === '\x7fFLAC') return 'ogg-flac';
  if (ascii(id, 0, 8) === 'Speex   ') throw unsupported('Ogg Speex');
  throw unsupported('An Ogg stream with an unknown codec');
}

/** Offset just past an ID3v2 tag that starts at 0 (size is four 7-bit bytes, plus a footer if flagged). */
function id3End(head: Uint8Array): number {
  if (head.length < 10) return head.length + 1;
  const size = ((head[6] & 0x7f) << 21) | ((head[7] & 0x7f) << 14) | ((head[8] & 0x7f) << 7) | (head[9] & 0x7f);
  const footer = head[5] & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

const MPEG1_BITRATES = [
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // layer I
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384], // layer II
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // layer III
];
const MPEG2_BITRATES = [
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256], // layer I
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160], // layers II and III
];
const MPEG1_RATES = [44100, 48000, 32000];

interface MpegFrame {
  /** Version, layer and sample rate: the bits every frame of a stream shares. */
  readonly signature: number;
  readonly length: number;
  /** Channel mode 3 is mono; stereo, joint stereo and dual channel are two. */
  readonly channels: 1 | 2;
}

/** Parses an MPEG audio frame header (ISO 11172-3 / 13818-3, and MPEG 2.5); undefined if invalid. */
export function mpegFrame(b: Uint8Array, at: number): MpegFrame | undefined {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return undefined;
  const version = (b[at + 1] >> 3) & 3; // 0 = 2.5, 1 = reserved, 2 = MPEG-2, 3 = MPEG-1
  const layer = 4 - ((b[at + 1] >> 1) & 3); // 1, 2, 3; 4 = reserved
  const bitrateIndex = b[at + 2] >> 4;
  const rateIndex = (b[at + 2] >> 2) & 3;
  // Free-format (bitrate index 0) streams have no computable frame length; they are vanishingly rare.
  if (version === 1 || layer === 4 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const mpeg1 = version === 3;
  const kbps = mpeg1 ? MPEG1_BITRATES[layer - 1][bitrateIndex] : MPEG2_BITRATES[layer === 1 ? 0 : 1][bitrateIndex];
  const sampleRate = MPEG1_RATES[rateIndex] / (mpeg1 ? 1 : version === 2 ? 2 : 4);
  const padding = (b[at + 2] >> 1) & 1;
  const length =
    layer === 1
      ? (Math.floor((12_000 * kbps) / sampleRate) + padding) * 4
      : Math.floor(((layer === 3 && !mpeg1 ? 72_000 : 144_000) * kbps) / sampleRate) + padding;
  const channels = b[at + 3] >> 6 === 3 ? 1 : 2;
  return { signature: (b[at + 1] & 0xfe) | ((b[at + 2] & 0x0c) << 8), length, channels };
}

/** The first of two consecutive frames of one stream starting within the window after `start`. */
function findMpegFrames(source: ByteSource, start: number): MpegFrame | undefined {
  const window = source.read(start, MPEG_SYNC_WINDOW + 4);
  for (let at = 0; at + 4 <= window.length; at += 1) {
    const first = mpegFrame(window, at);
    if (!first) continue;
    const nextAt = start + at + first.length;
    if (nextAt === source.size) return first; // a single-frame file
    const next = mpegFrame(source.read(nextAt, 4), 0);
    if (next && next.signature === first.signature) return first;
  }
  return undefined;
}

/** Formats people upload that we recognise but do not decode, so the 415 can name them. */
function knownOther(head: Uint8Array): AudioRejectedError | undefined {
  const at4 = ascii(head, 4, 4);
  if (at4 === 'ftyp') return unsupported('MP4/M4A (AAC or ALAC)');
  const magic = ascii(head, 0, 4);
  if (magic === 'RF64' || magic === 'BW64') return unsupported('RF64/BW64 (WAV over 4 GB)');
  if (magic === 'FORM') return unsupported('AIFF');
  if (magic === 'caff') return unsupported('Core Audio (CAF)');
  if (ascii(head, 0, 5) === '#!AMR') return unsupported('AMR');
  if (magic === '\x1a\x45\xdf\xa3') return unsupported('WebM/Matroska');
  if (magic === '\x30\x26\xb2\x75') return unsupported('WMA/ASF');
  // ADTS: the MPEG sync word with layer bits 00 (which MPEG audio reserves).
  if (head[0] === 0xff && (head[1] & 0xf6) === 0xf0) return unsupported('AAC (ADTS)');
  return undefined;
}
