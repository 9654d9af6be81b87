/**
 * The conversion of an upload into the playback form, in one streaming pass:
 *
 *   bytes ─▶ sha256
 *         └▶ decoder ─▶ downmix to mono ─▶ resample to 8 kHz ─┐
 *                                                             ▼
 *        16-bit PCM WAV ◀─ gain (BS.1770, peak-limited) ◀─ 8 kHz float
 *
 * Only the 8 kHz mono result is kept (≈ 2 MB a minute as float), whatever the input's rate
 * and channels, and decoding stops as soon as the audio exceeds the maximum duration. The
 * format comes from the bytes ({@link sniffFormat}); WAV headers are validated first
 * ({@link parseWavHeader}), which also refuses an over-long WAV without decoding it.
 *
 * CPU-bound and synchronous between chunks: run it in a worker thread (see worker-pool.ts).
 */
import { createHash } from 'node:crypto';
import { encodeWav } from '../telephony/media/wav.js';
import { AudioRejectedError } from './audio-error.js';
import type { ByteSource } from './byte-source.js';
import { openDecoder, type DecodedBlock } from './decoders.js';
import { flacPieces } from './flac-pieces.js';
import { PREPARED_SAMPLE_RATE, type AudioFormat } from './formats.js';
import { integratedLoudness, normalisationGainDb, samplePeak, toInt16 } from './loudness.js';
import { concatFloat32, createResampler, type Resampler } from './resampler.js';
import { sniffFormat } from './sniff.js';
import { checkStreamLimits, declaredStream } from './stream-limits.js';
import { canonicalWavHeader, parseWavHeader } from './wav-header.js';

export interface PrepareOptions {
  readonly maxDurationSeconds: number;
  /** Apply loudness normalisation to `loudnessTargetLufs`. */
  readonly normalize: boolean;
  readonly loudnessTargetLufs: number;
}

export interface PreparedAudio {
  readonly format: AudioFormat;
  readonly originalSize: number;
  /** Hex SHA-256 of the uploaded bytes. */
  readonly sha256: string;
  /** The original's sample rate and channel count (of its first decoded block). */
  readonly sampleRate: number;
  readonly channels: number;
  readonly durationMs: number;
  /** 16-bit PCM mono WAV at 8 kHz. */
  readonly wav: Uint8Array;
  readonly preparedSamples: number;
  /** Integrated loudness of the 8 kHz mono signal before any gain; null for silence. */
  readonly loudnessLufs: number | null;
  /** Gain applied by normalisation (0 when it is off). */
  readonly gainDb: number;
}

/** Bytes read and hashed per step. */
const CHUNK = 256 * 1024;

/**
 * Bytes handed to the decoder at once, so that no one call can return much (F14). WAV
 * expands at most 8× (4-bit ADPCM to float). Compressed formats can expand ~75,000×: a FLAC
 * frame of ~28 bytes may hold 8 channels × 65,535 constant samples (2 MB as float), an Ogg
 * page of tiny Vorbis or Opus packets as much per packet; 512 bytes bound one call to a few
 * tens of MB, and the duration is checked after each.
 */
const PIECE: Readonly<Record<Exclude<AudioFormat, 'flac'>, number>> = {
  wav: CHUNK,
  mp3: 16 * 1024,
  'ogg-flac': 512,
  'ogg-vorbis': 512,
  'ogg-opus': 512,
};

/**
 * Native FLAC is cut at frame headers instead (flac-pieces.ts), at most this many samples
 * (block size × channels) a piece: 4 MB as float, ~100 frames of a stereo CD-quality file.
 */
const FLAC_PIECE_SAMPLES = 1 << 20;

/**
 * The bytes the decoder gets, in order, in pieces bounded as above. A FLAC is scanned whole
 * first (headers only, ~50 ms for 50 MB): one whose frame headers declare well over the
 * maximum duration is refused before any is decoded (a chance false header in the audio
 * data cannot add 5 %).
 */
function* decoderPieces(
  format: AudioFormat,
  source: ByteSource,
  plan: DecodePlan,
  maxSeconds: number,
): Generator<Uint8Array> {
  if (format === 'flac') {
    const pieces = [...flacPieces(source, plan.start, plan.end, FLAC_PIECE_SAMPLES)];
    const declaredFrames = pieces.reduce((sum, piece) => sum + piece.frames, 0);
    if (plan.sampleRate && declaredFrames / plan.sampleRate > maxSeconds * 1.05 + 1) throw tooLong(maxSeconds);
    for (const { from, to } of pieces) yield source.read(from, to - from);
    return;
  }
  const piece = PIECE[format];
  for (let offset = plan.start; offset < plan.end; offset += CHUNK) {
    const chunk = source.read(offset, Math.min(CHUNK, plan.end - offset));
    for (let at = 0; at < chunk.length; at += piece) yield chunk.subarray(at, at + piece);
  }
}

/** What the decoder sees: an optional synthetic header, then a byte range of the file. */
interface DecodePlan {
  readonly prefix?: Uint8Array;
  readonly start: number;
  readonly end: number;
  /** Frames to keep when the container knows better than the decoder (ADPCM block padding). */
  readonly frames?: number;
  /** The rate the stream header declares, when it does. */
  readonly sampleRate?: number;
}

function decodePlan(format: AudioFormat, source: ByteSource, maxSeconds: number, streamStart?: number): DecodePlan {
  if (format !== 'wav') {
    // Rate and channels from the stream header, before any decoding; a declared length too.
    const declared = declaredStream(format, source, streamStart);
    if (declared?.frames && declared.frames / declared.sampleRate > maxSeconds) {
      throw tooLong(maxSeconds, declared.frames / declared.sampleRate);
    }
    return { start: 0, end: source.size, sampleRate: declared?.sampleRate };
  }
  const header = parseWavHeader(source);
  if (header.frames === 0) throw new AudioRejectedError('empty', 'The WAV file contains no audio samples.');
  const seconds = header.frames / header.sampleRate;
  if (seconds > maxSeconds) throw tooLong(maxSeconds, seconds);
  return {
    prefix: canonicalWavHeader(header),
    start: header.dataOffset,
    end: header.dataOffset + header.dataBytes,
    frames: header.frames,
  };
}

function tooLong(maxSeconds: number, seconds?: number): AudioRejectedError {
  const length = seconds === undefined ? 'longer than' : `${seconds.toFixed(1)} s long; the maximum is`;
  return new AudioRejectedError('too-long', `The audio is ${length} ${maxSeconds} s.`);
}

/** Decoded blocks in, 8 kHz mono out; tracks the original's rate, channels and duration. */
class MonoSink {
  sampleRate = 0;
  channels = 0;
  seconds = 0;
  private rate = 0;
  private resampler: Resampler | undefined;
  private readonly output: Float32Array[] = [];

  constructor(
    private readonly maxSeconds: number,
    /** Frames still to keep; decoded frames beyond it are dropped. */
    private remaining = Infinity,
  ) {}

  async push(block: DecodedBlock): Promise<void> {
    if (block.errors.length > 0) {
      throw new AudioRejectedError('corrupt', `The audio data is damaged: ${block.errors[0]}.`);
    }
    const frames = Math.min(block.channelData[0]?.length ?? 0, this.remaining);
    if (frames === 0) return;
    // A frame or a chained stream may declare other values than the stream header did.
    checkStreamLimits(block.sampleRate, block.channelData.length, 'audio stream');
    this.remaining -= frames;
    if (block.sampleRate !== this.rate) await this.switchRate(block.sampleRate);
    if (!this.sampleRate) {
      this.sampleRate = block.sampleRate;
      this.channels = block.channelData.length;
    }
    this.seconds += frames / block.sampleRate;
    if (this.seconds > this.maxSeconds) throw tooLong(this.maxSeconds);
    this.output.push(this.resampler!.process(downmix(block.channelData, frames)));
  }

  /** Chained streams may change rate: drain the old resampler, start a new one. */
  private async switchRate(rate: number): Promise<void> {
    if (this.resampler) this.output.push(this.resampler.finish());
    this.resampler = await createResampler(rate, PREPARED_SAMPLE_RATE);
    this.rate = rate;
  }

  finish(): Float32Array {
    if (this.resampler) this.output.push(this.resampler.finish());
    this.resampler = undefined;
    return concatFloat32(this.output);
  }

  free(): void {
    this.resampler?.free();
  }
}

/** The mean of the channels: keeps the level of mono content, never clips. */
function downmix(channels: readonly Float32Array[], frames: number): Float32Array {
  if (channels.length === 1) return channels[0].subarray(0, frames);
  const mono = new Float32Array(frames);
  for (const channel of channels) for (let i = 0; i < frames; i += 1) mono[i] += channel[i];
  const scale = 1 / channels.length;
  for (let i = 0; i < frames; i += 1) mono[i] *= scale;
  return mono;
}

/** Converts `source` to the playback form; throws {@link AudioRejectedError} for unusable input. */
export async function prepareAudio(source: ByteSource, options: PrepareOptions): Promise<PreparedAudio> {
  const { format, channels, start } = sniffFormat(source);
  const plan = decodePlan(format, source, options.maxDurationSeconds, start);
  const hash = createHash('sha256');
  const decoder = await openDecoder(format);
  const sink = new MonoSink(options.maxDurationSeconds, plan.frames);
  let samples: Float32Array;
  try {
    for (let offset = 0; offset < source.size; offset += CHUNK) hash.update(source.read(offset, CHUNK));
    if (plan.prefix) await sink.push(decoder.decode(plan.prefix));
    // The running duration is checked after every piece: a bomb stops within one.
    for (const piece of decoderPieces(format, source, plan, options.maxDurationSeconds)) {
      await sink.push(decoder.decode(piece));
    }
    await sink.push(decoder.flush());
    samples = sink.finish();
  } finally {
    decoder.free();
    sink.free();
  }
  if (sink.seconds === 0) throw new AudioRejectedError('empty', 'The file contains no decodable audio samples.');
  return finishPrepared(samples, options, {
    format,
    originalSize: source.size,
    sha256: hash.digest('hex'),
    sampleRate: sink.sampleRate,
    channels: channels ?? sink.channels,
    durationMs: Math.round(sink.seconds * 1000),
  });
}

function finishPrepared(
  samples: Float32Array,
  options: PrepareOptions,
  original: Omit<PreparedAudio, 'wav' | 'preparedSamples' | 'loudnessLufs' | 'gainDb'>,
): PreparedAudio {
  const loudness = integratedLoudness(samples, PREPARED_SAMPLE_RATE);
  const gainDb = options.normalize ? normalisationGainDb(loudness, options.loudnessTargetLufs, samplePeak(samples)) : 0;
  const pcm = toInt16(samples, gainDb);
  return {
    ...original,
    wav: encodeWav(pcm, PREPARED_SAMPLE_RATE),
    preparedSamples: pcm.length,
    loudnessLufs: Number.isFinite(loudness) ? Math.round(loudness * 100) / 100 : null,
    gainDb: Math.round(gainDb * 100) / 100,
  };
}
