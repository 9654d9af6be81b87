/**
 * Builds RIFF/WAVE files byte by byte for the header and pipeline tests: any format code,
 * plain or WAVE_FORMAT_EXTENSIBLE, extra chunks before the data, a declared data size that
 * differs from the bytes present.
 */

export interface WavSpec {
  /** Format tag: 1 PCM, 3 float, 6 A-law, 7 µ-law, anything else to test refusals. */
  readonly tag: number;
  readonly bits: number;
  readonly channels: number;
  readonly sampleRate: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with `tag` as the sub-format. */
  readonly extensible?: boolean;
  /** Override the block align (default channels × bits / 8). */
  readonly blockAlign?: number;
  /** Chunks written between `fmt ` and `data`. */
  readonly chunks?: readonly { id: string; body: Uint8Array }[];
  /** Override the size declared in the data chunk header. */
  readonly declaredDataBytes?: number;
}

function chunk(id: string, body: Uint8Array, declared = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'ascii');
  head.writeUInt32LE(declared, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmtBody(spec: WavSpec): Buffer {
  const blockAlign = spec.blockAlign ?? (spec.channels * spec.bits) / 8;
  const body = Buffer.alloc(spec.extensible ? 40 : 16);
  body.writeUInt16LE(spec.extensible ? 0xfffe : spec.tag, 0);
  body.writeUInt16LE(spec.channels, 2);
  body.writeUInt32LE(spec.sampleRate, 4);
  body.writeUInt32LE(spec.sampleRate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(spec.bits, 14);
  if (spec.extensible) {
    body.writeUInt16LE(22, 16); // cbSize
    body.writeUInt16LE(spec.bits, 18); // valid bits
    body.writeUInt32LE(0, 20); // channel mask
    // KSDATAFORMAT_SUBTYPE_*: the tag, then the fixed GUID tail.
    body.writeUInt16LE(spec.tag, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(body, 26);
  }
  return body;
}

/** A complete WAV file around `data` (interleaved, already encoded). */
export function buildWav(spec: WavSpec, data: Uint8Array): Buffer {
  const body = Buffer.concat([
    Buffer.from('WAVE', 'ascii'),
    chunk('fmt ', fmtBody(spec)),
    ...(spec.chunks ?? []).map((c) => chunk(c.id, c.body)),
    chunk('data', data, spec.declaredDataBytes),
  ]);
  return Buffer.concat([chunk('RIFF', Buffer.alloc(0), body.length).subarray(0, 8), body]);
}

/** Interleaves per-channel float samples (±1) into little-endian PCM/float bytes of `bits`. */
export function encodeSamples(channels: readonly Float32Array[], tag: 1 | 3, bits: number): Buffer {
  const frames = channels[0].length;
  const width = bits / 8;
  const out = Buffer.alloc(frames * channels.length * width);
  let at = 0;
  for (let i = 0; i < frames; i += 1) {
    for (const channel of channels) {
      const v = Math.max(-1, Math.min(1, channel[i]));
      if (tag === 3) {
        if (bits === 32) out.writeFloatLE(v, at);
        else out.writeDoubleLE(v, at);
      } else if (bits === 8) out.writeUInt8(Math.round(v * 127) + 128, at);
      else out.writeIntLE(Math.round(v * (2 ** (bits - 1) - 1)), at, width);
      at += width;
    }
  }
  return out;
}

/** A sine of `frequency` Hz at peak `amplitude` (±1 full scale). */
export function sine(frequency: number, sampleRate: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < out.length; i += 1) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate);
  return out;
}
