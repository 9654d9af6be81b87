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
import { PREPARED_SAMPLE_RATE, type AudioFormat } from './formats.js';
import { integratedLoudness, normalisationGainDb, samplePeak, toInt16 } from './loudness.js';
import { concatFloat32, createResampler, type Resampler } from './resampler.js';
import { sniffFormat } from './sniff.js';
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

/** Bytes hashed and handed to the decoder per step. */
const CHUNK = 256 * 1024;

/** What the decoder sees: an optional synthetic header, then a byte range of the file. */
interface DecodePlan {
  readonly prefix?: Uint8Array;
  readonly start: number;
  readonly end: number;
  /** Frames to keep when the container knows better than the decoder (ADPCM block padding). */
  readonly frames?: number;
}

function decodePlan(format: AudioFormat, source: ByteSource, maxSeconds: number): DecodePlan {
  if (format !== 'wav') return { start: 0, end: source.size };
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
  const { format, channels } = sniffFormat(source);
  const plan = decodePlan(format, source, options.maxDurationSeconds);
  const hash = createHash('sha256');
  const decoder = await openDecoder(format);
  const sink = new MonoSink(options.maxDurationSeconds, plan.frames);
  let samples: Float32Array;
  try {
    if (plan.prefix) await sink.push(decoder.decode(plan.prefix));
    for (let offset = 0; offset < source.size; offset += CHUNK) {
      const chunk = source.read(offset, CHUNK);
      hash.update(chunk);
      const from = Math.max(plan.start, offset) - offset;
      const to = Math.min(plan.end, offset + chunk.length) - offset;
      if (to > from) await sink.push(decoder.decode(chunk.subarray(from, to)));
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
