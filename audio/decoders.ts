/**
 * One streaming interface over the MIT-licensed per-codec decoders (`@audio/decode-*`): mpg123,
 * libFLAC, libvorbis and libopus compiled to WASM, and a pure-JS WAV decoder. Chunks go in,
 * planar float samples come out, so a long file never sits decoded in memory whole.
 *
 * The decoders' `decode()` and `flush()` are synchronous and CPU-bound (~180 ms per minute of
 * MP3): call them from a worker thread, never from the API's event loop.
 */
import type { AudioFormat } from './formats.js';

export interface DecodedBlock {
  /** One array per channel; empty when the chunk completed no samples. */
  readonly channelData: readonly Float32Array[];
  readonly sampleRate: number;
  /** What the decoder reported as damaged input, in its own words. */
  readonly errors: readonly string[];
}

export interface StreamDecoder {
  decode(chunk: Uint8Array): DecodedBlock;
  /** Ends the stream and returns what the decoder still held. */
  flush(): DecodedBlock;
  free(): void;
}

interface RawResult {
  channelData: Float32Array[];
  sampleRate: number;
  errors?: { message: string }[];
}
interface RawDecoder {
  decode(data: Uint8Array): RawResult;
  flush?(): RawResult;
  free(): void;
}

/** Loaded on first use: each is a sizeable WASM module, and a worker may never see some formats. */
async function rawDecoder(format: AudioFormat): Promise<RawDecoder> {
  switch (format) {
    case 'wav':
      return (await import('@audio/decode-wav')).decoder();
    case 'mp3':
      return (await import('@audio/decode-mp3')).decoder();
    case 'flac':
    case 'ogg-flac':
      return (await import('@audio/decode-flac')).decoder();
    case 'ogg-vorbis':
      return (await import('@audio/decode-vorbis')).decoder();
    case 'ogg-opus':
      return (await import('@audio/decode-opus')).decoder();
  }
}

const EMPTY: DecodedBlock = { channelData: [], sampleRate: 0, errors: [] };

function block(result: RawResult | undefined): DecodedBlock {
  if (!result) return EMPTY;
  return {
    channelData: result.channelData,
    sampleRate: result.sampleRate,
    errors: (result.errors ?? []).map((e) => e.message),
  };
}

export async function openDecoder(format: AudioFormat): Promise<StreamDecoder> {
  const raw = await rawDecoder(format);
  return {
    // A plain Uint8Array view: the WAV decoder realigns a misaligned chunk with `.slice()`,
    // which on a Buffer shares memory instead of copying.
    decode: (chunk) => block(raw.decode(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))),
    flush: () => block(raw.flush?.()),
    free: () => raw.free(),
  };
}
