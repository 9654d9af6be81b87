/**
 * WAV → MP3 with LAME 3.100 compiled to WebAssembly (the `wasm-media-encoders` package: an
 * MIT wrapper around LGPL-2.0 LAME, loaded unmodified as a WASM module). CPU-bound: the API
 * runs it in `mp3-worker.ts` threads, never on its event loop.
 *
 * Constant bit rate at the WAV's own sample rate where MPEG allows it (8 kHz, the rate of
 * recordings and prepared messages, is MPEG-2.5). LAME starts with an encoder delay of
 * {@link MP3_ENCODER_DELAY_SAMPLES} and pads the end to a whole frame, so a decoder gives back
 * that many samples more at the start and fewer than {@link MP3_FRAME_SAMPLES} at the end.
 */
import { createMp3Encoder } from 'wasm-media-encoders';
import { decodeWav } from '../telephony/media/wav.js';

/** Sample rates MP3 can carry (MPEG-1, -2 and -2.5). */
const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
type Mp3Rate = (typeof MP3_RATES)[number];

/** kbit/s: plenty for 8 kHz telephone audio (its G.711 source has 64). */
export const MP3_BITRATE_KBPS = 32;
/** Samples per MPEG-2/2.5 layer III frame (the rates below 32 kHz). */
export const MP3_FRAME_SAMPLES = 576;
/** LAME's encoder delay plus decoder delay, in samples, before the first sample of the input. */
export const MP3_ENCODER_DELAY_SAMPLES = 1105;
/**
 * Names what produced an MP3: cached MP3s made by another encoder, version or setting are
 * made again. Change it with any of those.
 */
export const MP3_ENCODER_TAG = `lame-3.100+wasm-media-encoders-0.7.0/cbr${MP3_BITRATE_KBPS}`;

/** Samples given to LAME per call: bounds the copy into WASM memory. */
const CHUNK = 64 * 1024;

/** The WAV is not something the MP3 encoder takes (more than two channels, an odd rate). */
export class Mp3InputError extends Error {
  override readonly name = 'Mp3InputError';
}

/** Encodes a WAV file (any form `decodeWav` reads: PCM 16, A-law, µ-law; 1 or 2 channels). */
export async function encodeMp3(wav: Uint8Array): Promise<Uint8Array> {
  const { sampleRate, channels, samples } = decodeWav(wav);
  if (channels !== 1 && channels !== 2) throw new Mp3InputError(`MP3 takes 1 or 2 channels, not ${channels}`);
  if (!(MP3_RATES as readonly number[]).includes(sampleRate)) {
    throw new Mp3InputError(`MP3 cannot carry ${sampleRate} Hz`);
  }
  const encoder = await createMp3Encoder();
  encoder.configure({
    sampleRate,
    channels,
    bitrate: MP3_BITRATE_KBPS,
    outputSampleRate: sampleRate as Mp3Rate,
  });
  const parts: Uint8Array[] = [];
  const frames = samples.length / channels;
  for (let start = 0; start < frames; start += CHUNK) {
    const end = Math.min(frames, start + CHUNK);
    const planes = Array.from({ length: channels }, () => new Float32Array(end - start));
    for (let i = start; i < end; i += 1) {
      for (let c = 0; c < channels; c += 1) planes[c][i - start] = samples[i * channels + c] / 32768;
    }
    // The encoder's output buffer is reused by the next call: copy it out.
    parts.push(encoder.encode(planes).slice());
  }
  parts.push(encoder.finalize().slice());
  return concat(parts);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
