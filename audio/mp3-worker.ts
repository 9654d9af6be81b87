/**
 * Worker-thread entry for {@link encodeMp3}: one job at a time; the WAV comes in moved (not
 * copied), the MP3 goes back moved. An unusable WAV travels as `{ input: true, message }`,
 * anything else as a message and stack (see Mp3Encoder).
 */
import { parentPort } from 'node:worker_threads';
import { WavFormatError } from '../telephony/media/wav.js';
import { encodeMp3, Mp3InputError } from './mp3-encode.js';

async function run(wav: Uint8Array): Promise<{ output?: Uint8Array; error?: unknown }> {
  try {
    return { output: await encodeMp3(wav) };
  } catch (err) {
    if (err instanceof Mp3InputError || err instanceof WavFormatError)
      return { error: { input: true, message: err.message } };
    const e = err instanceof Error ? err : new Error(String(err));
    return { error: { message: e.message, stack: e.stack } };
  }
}

parentPort?.on('message', (message: { id: number; input: Uint8Array }) => {
  void run(message.input).then(({ output, error }) => {
    const transfer = output ? [output.buffer as ArrayBuffer] : [];
    parentPort?.postMessage({ id: message.id, ok: error === undefined, output, error }, transfer);
  });
});
