/**
 * Sample-rate conversion with the Speex resampler (speexdsp, compiled to WASM): a windowed-
 * sinc (Kaiser) polyphase filter whose cut-off sits below the output's Nyquist frequency, so
 * downsampling to 8 kHz removes what would alias instead of folding it into the voice band
 * (linear interpolation does not, see stack-notes.md "Audio").
 *
 * Streaming: `process()` takes any number of mono samples and returns what is ready;
 * `finish()` drains the filter and trims the total to `round(inputSamples × outRate / inRate)`.
 * The filter's delay is skipped (`speex_resampler_skip_zeros`), so output sample `k` lines up
 * with input time `k / outRate` — the result has the input's timing, not shifted by the filter.
 */
import createSpeexModule, { type SpeexModule } from '@echogarden/speex-resampler-wasm/simd';

/**
 * Speex quality 0–10. Measured for 16–48 kHz → 8 kHz: 6 is flat (±0.05 dB) to 3.4 kHz,
 * -0.2 dB at 3.6 kHz, and every tone above 4.4 kHz lands below -100 dB; 5 already loses
 * 1.8 dB at 3.6 kHz, 8 and up cost twice the time for no audible difference.
 */
export const DEFAULT_RESAMPLER_QUALITY = 6;

/** Input samples handed to the WASM filter per call: bounds the heap buffers, not the stream. */
const BLOCK = 16_384;

let modulePromise: Promise<SpeexModule> | undefined;

/** The WASM module is instantiated once per thread (a few ms) and shared by every resampler. */
function speexModule(): Promise<SpeexModule> {
  modulePromise ??= createSpeexModule();
  return modulePromise;
}

export interface Resampler {
  /** Feeds mono samples; returns the output samples that are complete so far. */
  process(input: Float32Array): Float32Array;
  /** Drains the filter and returns the remaining output; the resampler is freed afterwards. */
  finish(): Float32Array;
  /** Releases the WASM memory (idempotent; `finish()` calls it). */
  free(): void;
}

/** A mono resampler from `inRate` to `outRate` (integers, Hz). Equal rates pass samples through unchanged. */
export async function createResampler(
  inRate: number,
  outRate: number,
  quality = DEFAULT_RESAMPLER_QUALITY,
): Promise<Resampler> {
  if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
    throw new RangeError(`invalid sample rates ${inRate} → ${outRate}`);
  }
  if (inRate === outRate) return passThrough();
  return new SpeexResampler(await speexModule(), inRate, outRate, quality);
}

/** Resamples a whole mono signal at once (tests, short signals). */
export async function resample(input: Float32Array, inRate: number, outRate: number): Promise<Float32Array> {
  const resampler = await createResampler(inRate, outRate);
  return concatFloat32([resampler.process(input), resampler.finish()]);
}

/** Joins sample blocks into one array. */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function passThrough(): Resampler {
  return { process: (input) => input.slice(), finish: () => new Float32Array(0), free: () => undefined };
}

class SpeexResampler implements Resampler {
  private state: number;
  private readonly heap: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly lenPtr: number;
  private readonly outCapacity: number;
  private readonly latency: number;
  private consumed = 0;
  private produced = 0;

  constructor(
    private readonly wasm: SpeexModule,
    private readonly inRate: number,
    private readonly outRate: number,
    quality: number,
  ) {
    this.outCapacity = Math.ceil((BLOCK * outRate) / inRate) + 64;
    // One allocation: [in_len, out_len, err] then the input and output blocks.
    this.heap = wasm._malloc(16 + 4 * (BLOCK + this.outCapacity));
    if (!this.heap) throw new Error('speex resampler: out of WASM memory');
    this.lenPtr = this.heap;
    this.inPtr = this.heap + 16;
    this.outPtr = this.inPtr + 4 * BLOCK;
    this.state = wasm._speex_resampler_init(1, inRate, outRate, quality, this.lenPtr + 8);
    if (!this.state) {
      const code = wasm.HEAP32[(this.lenPtr + 8) >> 2];
      wasm._free(this.heap);
      throw new Error(`speex resampler: init failed (${code}) for ${inRate} → ${outRate} Hz`);
    }
    wasm._speex_resampler_skip_zeros(this.state);
    this.latency = wasm._speex_resampler_get_input_latency(this.state);
  }

  process(input: Float32Array): Float32Array {
    if (!this.state) throw new Error('speex resampler: already finished');
    const parts: Float32Array[] = [];
    for (let offset = 0; offset < input.length;) {
      const block = input.subarray(offset, offset + BLOCK);
      offset += this.run(block, parts);
    }
    this.consumed += input.length;
    return concatFloat32(parts);
  }

  finish(): Float32Array {
    if (!this.state) throw new Error('speex resampler: already finished');
    const expected = Math.round((this.consumed * this.outRate) / this.inRate);
    const parts: Float32Array[] = [];
    // The filter still holds `latency` input samples' worth of output: push zeros through it.
    const zeros = new Float32Array(Math.min(BLOCK, this.latency + 1));
    let guard = 0;
    while (this.produced < expected && guard++ < 1000) this.run(zeros, parts);
    this.free();
    const tail = concatFloat32(parts);
    const keep = Math.max(0, expected - (this.produced - tail.length));
    return tail.subarray(0, Math.min(keep, tail.length));
  }

  free(): void {
    if (!this.state) return;
    this.wasm._speex_resampler_destroy(this.state);
    this.wasm._free(this.heap);
    this.state = 0;
  }

  /** One call into the filter; returns how many input samples it consumed. */
  private run(block: Float32Array, parts: Float32Array[]): number {
    const { wasm } = this;
    wasm.HEAPF32.set(block, this.inPtr >> 2);
    wasm.HEAPU32[this.lenPtr >> 2] = block.length;
    wasm.HEAPU32[(this.lenPtr + 4) >> 2] = this.outCapacity;
    const err = wasm._speex_resampler_process_float(
      this.state,
      0,
      this.inPtr,
      this.lenPtr,
      this.outPtr,
      this.lenPtr + 4,
    );
    if (err !== 0) throw new Error(`speex resampler: process failed (${err})`);
    const used = wasm.HEAPU32[this.lenPtr >> 2];
    const written = wasm.HEAPU32[(this.lenPtr + 4) >> 2];
    // Copy out: the heap view is invalidated if WASM memory grows.
    if (written > 0) parts.push(wasm.HEAPF32.slice(this.outPtr >> 2, (this.outPtr >> 2) + written));
    this.produced += written;
    if (used === 0 && written === 0) throw new Error('speex resampler: made no progress');
    return used;
  }
}
