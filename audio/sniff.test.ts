import { randomBytes } from 'node:crypto';
import { encodeWav } from '../telephony/media/wav.js';
import { AudioRejectedError, type AudioRejection } from './audio-error.js';
import { bufferSource } from './byte-source.js';
import { mpegFrame, sniffFormat } from './sniff.js';

const sniff = (bytes: Uint8Array) => sniffFormat(bufferSource(bytes)).format;

function rejection(bytes: Uint8Array): { reason: AudioRejection; message: string } {
  try {
    sniff(bytes);
  } catch (err) {
    if (err instanceof AudioRejectedError) return { reason: err.reason, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

/** An MPEG-1 Layer III frame, 128 kbit/s, 44.1 kHz: 417 bytes (418 with padding). */
function mp3Frame(padding = false): Buffer {
  const frame = Buffer.alloc(padding ? 418 : 417);
  frame.set([0xff, 0xfb, 0x90 | (padding ? 0x02 : 0), 0x64]);
  return frame;
}

function id3Tag(bodyBytes: number): Buffer {
  const tag = Buffer.alloc(10 + bodyBytes);
  tag.write('ID3', 0, 'ascii');
  tag.set([4, 0, 0], 3);
  // Syncsafe size: 7 bits per byte.
  tag.set([(bodyBytes >> 21) & 0x7f, (bodyBytes >> 14) & 0x7f, (bodyBytes >> 7) & 0x7f, bodyBytes & 0x7f], 6);
  return tag;
}

/** The first Ogg page with one packet beginning with `packet`. */
function oggPage(packet: Buffer): Buffer {
  const header = Buffer.alloc(28);
  header.write('OggS', 0, 'ascii');
  header[5] = 2; // beginning of stream
  header[26] = 1; // one segment
  header[27] = packet.length;
  return Buffer.concat([header, packet]);
}

function flacHead(blockType = 0, length = 34): Buffer {
  const head = Buffer.alloc(4 + 4 + 34);
  head.write('fLaC', 0, 'ascii');
  head[4] = 0x80 | blockType; // last-metadata-block flag + type
  head.set([(length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff], 5);
  return head;
}

describe('sniffFormat', () => {
  it('recognises WAV by RIFF/WAVE, whatever it is called', () => {
    expect(sniff(encodeWav(new Int16Array(100), 8000))).toBe('wav');
  });

  it('recognises MP3 as two consecutive frames, with or without an ID3v2 tag in front', () => {
    expect(sniff(Buffer.concat([mp3Frame(), mp3Frame(true), mp3Frame()]))).toBe('mp3');
    expect(sniff(Buffer.concat([id3Tag(100_000), mp3Frame(), mp3Frame()]))).toBe('mp3');
    // A single frame that is the whole file.
    expect(sniff(mp3Frame())).toBe('mp3');
  });

  it('reads the channel count of MP3 from the frame header (the decoder always gives two)', () => {
    const mono = mp3Frame();
    mono[3] = 0xc4; // channel mode 3
    expect(sniffFormat(bufferSource(mono)).channels).toBe(1);
    expect(sniffFormat(bufferSource(mp3Frame())).channels).toBe(2); // 0x64: joint stereo
  });

  it('does not take a lone sync word followed by junk for MP3', () => {
    const junk = Buffer.concat([mp3Frame(), Buffer.from('this is not the next frame at all')]);
    expect(rejection(junk).reason).toBe('unsupported-format');
  });

  it('recognises FLAC and the three Ogg codecs by their identification headers', () => {
    expect(sniff(flacHead())).toBe('flac');
    expect(sniff(Buffer.concat([id3Tag(20), flacHead()]))).toBe('flac');
    expect(sniff(oggPage(Buffer.from('\x01vorbis\x00\x00\x00\x00', 'latin1')))).toBe('ogg-vorbis');
    expect(sniff(oggPage(Buffer.from('OpusHead\x01\x02', 'latin1')))).toBe('ogg-opus');
    expect(sniff(oggPage(Buffer.from('\x7fFLAC\x01\x00', 'latin1')))).toBe('ogg-flac');
  });

  it('refuses text, random bytes and formats we do not decode with 415 reasons naming them', () => {
    expect(rejection(Buffer.from('hello, this is a text file\n'.repeat(50)))).toEqual({
      reason: 'unsupported-format',
      message: expect.stringMatching(/not audio in a format we recognise.*WAV, MP3/) as unknown,
    });
    expect(rejection(randomBytes(8192).fill(0x20, 0, 2)).reason).toBe('unsupported-format');
    const m4a = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypM4A ', 'ascii'), Buffer.alloc(64)]);
    expect(rejection(m4a).message).toMatch(/MP4\/M4A/);
    expect(rejection(oggPage(Buffer.from('Speex   1.2', 'latin1'))).message).toMatch(/Ogg Speex is not supported/);
    const avi = Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00AVI ', 'latin1'), Buffer.alloc(64)]);
    expect(rejection(avi).message).toMatch(/"AVI " \(not WAVE\)/);
  });

  it('calls a file that ends inside a header truncated, and no bytes at all empty', () => {
    expect(rejection(Buffer.from('RIFF\x10\x00', 'latin1')).reason).toBe('truncated');
    expect(rejection(flacHead().subarray(0, 20)).reason).toBe('truncated');
    expect(rejection(oggPage(Buffer.from('OpusHead', 'latin1')).subarray(0, 20)).reason).toBe('truncated');
    expect(rejection(id3Tag(5000).subarray(0, 200)).reason).toBe('truncated');
    expect(rejection(Buffer.alloc(0)).reason).toBe('empty');
  });

  it('calls a FLAC file without STREAMINFO corrupt', () => {
    expect(rejection(flacHead(4)).reason).toBe('corrupt');
  });
});

describe('mpegFrame', () => {
  it('computes frame lengths for each MPEG version and layer', () => {
    expect(mpegFrame(mp3Frame(), 0)?.length).toBe(417);
    expect(mpegFrame(mp3Frame(true), 0)?.length).toBe(418);
    // MPEG-2 Layer III, 64 kbit/s, 22.05 kHz: 72000 × 64 / 22050 = 208.98 → 208.
    expect(mpegFrame(Uint8Array.from([0xff, 0xf3, 0x80, 0x00]), 0)?.length).toBe(208);
    // MPEG-1 Layer I, 32 kbit/s, 44.1 kHz: (12000 × 32 / 44100 → 8) × 4 = 32.
    expect(mpegFrame(Uint8Array.from([0xff, 0xff, 0x10, 0x00]), 0)?.length).toBe(32);
    // MPEG-1 Layer II, 192 kbit/s, 48 kHz: 144000 × 192 / 48000 = 576.
    expect(mpegFrame(Uint8Array.from([0xff, 0xfd, 0xa4, 0x00]), 0)?.length).toBe(576);
  });

  it('rejects reserved version, layer, bitrate and sample rate codes', () => {
    expect(mpegFrame(Uint8Array.from([0xff, 0xeb, 0x90, 0x00]), 0)).toBeUndefined(); // version 01
    expect(mpegFrame(Uint8Array.from([0xff, 0xf9, 0x90, 0x00]), 0)).toBeUndefined(); // layer 00
    expect(mpegFrame(Uint8Array.from([0xff, 0xfb, 0xf0, 0x00]), 0)).toBeUndefined(); // bitrate 1111
    expect(mpegFrame(Uint8Array.from([0xff, 0xfb, 0x9c, 0x00]), 0)).toBeUndefined(); // rate 11
    expect(mpegFrame(Uint8Array.from([0xff, 0xfb, 0x90]), 0)).toBeUndefined(); // too short
  });
});
