/**
 * `make bench-audio`: what converting an upload costs, per format, on this machine. Prints
 * figures; asserts nothing.
 *
 * For each format, BENCH_AUDIO_SECONDS (default 300) of a stereo test signal is made with
 * ffmpeg, then converted to the playback form through the same worker pool the API uses
 * (AudioConverter, one worker): wall time, milliseconds per minute of audio, and the delay
 * the main thread's event loop saw meanwhile (p99 and max of perf_hooks'
 * monitorEventLoopDelay, 10 ms resolution) — the reason the conversion runs in a worker. For
 * scale, the same conversion by ffmpeg (soxr, one process per file, spawn included).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AudioConverter } from '../audio/audio-converter.js';

const SECONDS = Number(process.env.BENCH_AUDIO_SECONDS ?? 300);

const FORMATS: [label: string, file: string, codec: string[]][] = [
  ['WAV 16-bit 44.1 kHz', 'in.wav', ['-c:a', 'pcm_s16le']],
  ['MP3 128 kbit/s', 'in.mp3', ['-c:a', 'libmp3lame', '-b:a', '128k']],
  ['Ogg Vorbis q5', 'in.ogg', ['-c:a', 'libvorbis', '-q:a', '5']],
  ['Ogg Opus 64 kbit/s', 'in.opus', ['-c:a', 'libopus', '-b:a', '64k']],
  ['FLAC', 'in.flac', ['-c:a', 'flac']],
];

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args]);
}

function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-audio-bench-'));
  const converter = new AudioConverter({
    workers: 1,
    prepare: { maxDurationSeconds: SECONDS + 1, normalize: true, loudnessTargetLufs: -18 },
  });
  const minutes = SECONDS / 60;
  process.stdout.write(`converting ${SECONDS} s of stereo audio to 8 kHz mono, one worker thread\n\n`);
  process.stdout.write(
    `${'format'.padEnd(22)}${'size'.padStart(9)}${'ours'.padStart(9)}${'ms/min'.padStart(8)}` +
      `${'loop p99'.padStart(10)}${'loop max'.padStart(10)}${'ffmpeg'.padStart(9)}\n`,
  );
  try {
    await converter.convert(join(__dirname, '..', '..', 'package.json')).catch(() => undefined); // start the worker
    for (const [label, file, codec] of FORMATS) {
      const input = join(dir, file);
      const signal = `aevalsrc=exprs='0.3*sin(2*PI*(300+200*sin(t))*t)|0.3*sin(2*PI*700*t)':s=44100:d=${SECONDS}`;
      ffmpeg('-f', 'lavfi', '-i', signal, ...codec, input);
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const start = performance.now();
      await converter.convert(input);
      const ours = performance.now() - start;
      delay.disable();
      const reference = timed(() =>
        ffmpeg('-i', input, '-af', 'aresample=resampler=soxr', '-ar', '8000', '-ac', '1', join(dir, 'ref.wav')),
      );
      const ms = (n: number) => `${n.toFixed(0)} ms`.padStart(9);
      process.stdout.write(
        `${label.padEnd(22)}${`${(statSync(input).size / 1e6).toFixed(1)} MB`.padStart(9)}${ms(ours)}` +
          `${(ours / minutes).toFixed(0).padStart(8)}${`${(delay.percentile(99) / 1e6).toFixed(1)} ms`.padStart(10)}` +
          `${`${(delay.max / 1e6).toFixed(1)} ms`.padStart(10)}${ms(reference)}\n`,
      );
    }
  } finally {
    await converter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`audio benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
