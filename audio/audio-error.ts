/**
 * Why an uploaded file cannot become a message. The conversion runs in a worker thread, so
 * the error crosses a `postMessage` boundary as `{ reason, message }` and is rebuilt on the
 * other side with {@link AudioRejectedError.from}; the API maps `reason` to an HTTP status.
 */

/**
 * - `unsupported-format`: not audio we can decode (text renamed .wav, AAC, an unknown WAV codec).
 * - `truncated`: the file ends inside a header or before the audio it declares.
 * - `corrupt`: a header contradicts itself, or the decoder reports damaged audio.
 * - `empty`: no audio samples at all.
 * - `too-long`: longer than the configured maximum duration.
 */
export type AudioRejection = 'unsupported-format' | 'truncated' | 'corrupt' | 'empty' | 'too-long';

const REJECTIONS: readonly AudioRejection[] = ['unsupported-format', 'truncated', 'corrupt', 'empty', 'too-long'];

/** The file is not usable audio; `message` says why in words a user understands. */
export class AudioRejectedError extends Error {
  override readonly name = 'AudioRejectedError';
  constructor(
    readonly reason: AudioRejection,
    message: string,
  ) {
    super(message);
  }

  /** Rebuilds the error from its structured-clone form; `undefined` when `value` is not one. */
  static from(value: unknown): AudioRejectedError | undefined {
    const v = value as { reason?: unknown; message?: unknown } | null;
    if (!v || typeof v.message !== 'string' || !REJECTIONS.includes(v.reason as AudioRejection)) return undefined;
    return new AudioRejectedError(v.reason as AudioRejection, v.message);
  }
}
