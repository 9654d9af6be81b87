/**
 * How a refused upload is answered: an unknown format is 415, audio we recognise but cannot
 * use is 422 with a stable type per reason, both naming the `file` field and saying why.
 */
import type { AudioRejectedError, AudioRejection } from '../../audio/audio-error.js';
import { type AppError, UnprocessableError, UnsupportedMediaTypeError } from '../../lib/errors.js';

const UNUSABLE: Readonly<Record<Exclude<AudioRejection, 'unsupported-format'>, [type: string, title: string]>> = {
  truncated: ['audio-truncated', 'Truncated audio file'],
  corrupt: ['audio-corrupt', 'Corrupt audio file'],
  empty: ['audio-empty', 'No audio in the file'],
  'too-long': ['audio-too-long', 'Audio too long'],
};

export function audioProblem(err: AudioRejectedError): AppError {
  const errors = [{ field: 'body.file', message: err.message }];
  if (err.reason === 'unsupported-format') return new UnsupportedMediaTypeError(err.message, errors);
  const [type, title] = UNUSABLE[err.reason];
  return new UnprocessableError(type, title, err.message, errors);
}
