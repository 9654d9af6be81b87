import { flacBomb } from '../test/support/audio-bombs';
import { bufferSource } from './byte-source';
import { flacPieces, frameHeader } from './flac-pieces';

describe('flacPieces', () => {
  // 10 frames of 65,535 samples × 2 channels, ~22 bytes each, after the 42-byte header.
  const bytes = flacBomb({ sampleRate: 48_000, channels: 2, frames: 10 });
  const frameStarts = Array.from(bytes.keys()).filter((i) => frameHeader(bytes, i) !== undefined);

  it('finds every frame header and what it declares, and nothing else', () => {
    expect(frameStarts).toHaveLength(10);
    expect(frameStarts[0]).toBe(42);
    expect(frameHeader(bytes, frameStarts[3])).toEqual({ blockSize: 65_535, channels: 2 });
    const damaged = Buffer.from(bytes);
    damaged[frameStarts[3] + 5] ^= 1; // a header byte: its CRC-8 no longer matches
    expect(frameHeader(damaged, frameStarts[3])).toBeUndefined();
  });

  it('covers the stream in order, cut only at frame headers, each piece within the budget', () => {
    const pieces = [...flacPieces(bufferSource(bytes), 0, bytes.length, 3 * 65_535)].map((p) => [p.from, p.to]);
    // One frame (131,070 samples) fits the budget of 196,605; two do not.
    expect(pieces).toHaveLength(10);
    expect(pieces[0]).toEqual([0, frameStarts[1]]);
    for (let i = 1; i < pieces.length; i += 1) {
      expect(pieces[i][0]).toBe(pieces[i - 1][1]);
      expect(frameStarts).toContain(pieces[i][0]);
    }
    expect(pieces.at(-1)?.[1]).toBe(bytes.length);
    expect([...flacPieces(bufferSource(bytes), 0, bytes.length, 10 * 2 * 65_535)]).toEqual([
      { from: 0, to: bytes.length, frames: 10 * 65_535 },
    ]);
  });

  it('gives a frame that alone declares more than the budget a piece of its own', () => {
    const pieces = [...flacPieces(bufferSource(bytes), 0, bytes.length, 1000)];
    expect(pieces.map((p) => p.from)).toEqual([0, ...frameStarts.slice(1)]);
    expect(pieces.every((p) => p.frames === 65_535)).toBe(true);
  });
});
