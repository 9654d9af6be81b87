/**
 * Worker-thread entry for {@link prepareAudio}: one job at a time, input is the path of the
 * spooled upload, output the prepared audio with its WAV moved (not copied) back. A rejection
 * travels as `{ reason, message }` (see AudioRejectedError.from); anything else as a message
 * and stack, which the API logs as an internal error.
 */
import { parentPort } from 'node:worker_threads';
import { AudioRejectedError } from './audio-error.js';
import { fileSource } from './byte-source.js';
import { prepareAudio, type PrepareOptions } from './prepare.js';

export interface PrepareJob {
  readonly path: string;
  readonly options: PrepareOptions;
}

// The WASM decoders print their complaints to the console; they also return them as errors,
// which is how we report them. Keep the API's log stream to pino's JSON lines.
const quiet = () => undefined;
Object.assign(console, { log: quiet, info: quiet, warn: quiet, error: quiet, debug: quiet });

async function run(job: PrepareJob): Promise<{ output?: unknown; error?: unknown; transfer: ArrayBuffer[] }> {
  const source = fileSource(job.path);
  try {
    const output = await prepareAudio(source, job.options);
    return { output, transfer: [output.wav.buffer as ArrayBuffer] };
  } catch (err) {
    if (err instanceof AudioRejectedError) return { error: { reason: err.reason, message: err.message }, transfer: [] };
    const e = err instanceof Error ? err : new Error(String(err));
    return { error: { message: e.message, stack: e.stack }, transfer: [] };
  } finally {
    source.close();
  }
}

parentPort?.on('message', (message: { id: number; input: PrepareJob }) => {
  void run(message.input).then(({ output, error, transfer }) => {
    parentPort?.postMessage({ id: message.id, ok: error === undefined, output, error }, transfer);
  });
});
