/**
 * Speech for the AMD clip set from Debian's synthesisers and recordings, as 8 kHz 16-bit
 * PCM with the leading and trailing silence cut (so scene times are exact). Renders are
 * cached in the OS temp directory by a hash of what made them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a voice comes from; the held-out part of the set is split by this. */
export type SpeechSource = 'espeak' | 'flite' | 'festival' | 'allison';

export interface Voice {
  readonly source: SpeechSource;
  readonly name: string;
  /** espeak-ng words per minute / pitch; ignored elsewhere. */
  readonly speed?: number;
  readonly pitch?: number;
}

export const ASTERISK_SOUNDS = '/usr/share/asterisk/sounds/en';
const CACHE = join(tmpdir(), 'voicecast-amd-speech');

function run(command: string, args: string[], input?: string): void {
  const result = spawnSync(command, args, { input, stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr?.toString().slice(0, 300)}`);
}

/** Any WAV → 8 kHz mono s16 raw through sox. */
function toPcm(wav: string, raw: string): Int16Array {
  run('sox', [wav, '-t', 'raw', '-r', '8000', '-c', '1', '-e', 'signed-integer', '-b', '16', raw]);
  const bytes = readFileSync(raw);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2).slice();
}

/** Cuts silence (|x| below 1.5 % of the peak, smoothed over 10 ms) from both ends. */
export function trim(pcm: Int16Array): Int16Array {
  let peak = 0;
  for (const v of pcm) peak = Math.max(peak, Math.abs(v));
  const limit = peak * 0.015;
  const window = 80;
  const loud = (i: number): boolean => {
    let sum = 0;
    for (let j = i; j < Math.min(pcm.length, i + window); j += 1) sum += Math.abs(pcm[j]);
    return sum / window > limit;
  };
  let start = 0;
  while (start < pcm.length && !loud(start)) start += window / 2;
  let end = pcm.length;
  while (end > start && !loud(Math.max(0, end - window))) end -= window / 2;
  return pcm.slice(start, end);
}

/** Speech for `text` in `voice`, trimmed; for `allison`, `text` names sound files joined with `+`. */
export function speak(voice: Voice, text: string): Int16Array {
  mkdirSync(CACHE, { recursive: true });
  const key = createHash('sha256')
    .update(JSON.stringify({ voice, text, v: 1 }))
    .digest('hex')
    .slice(0, 24);
  const cached = join(CACHE, `${key}.raw`);
  if (existsSync(cached)) {
    const bytes = readFileSync(cached);
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2).slice();
  }
  const wav = join(CACHE, `${key}.wav`);
  const raw = join(CACHE, `${key}.tmp.raw`);
  let pcm: Int16Array;
  if (voice.source === 'allison') {
    const files = text.split('+').map((name) => join(ASTERISK_SOUNDS, `${name}.wav`));
    run('sox', [...files, wav]);
    pcm = trim(toPcm(wav, raw));
  } else {
    if (voice.source === 'espeak') {
      run('espeak-ng', [
        '-v',
        voice.name,
        '-s',
        String(voice.speed ?? 165),
        '-p',
        String(voice.pitch ?? 50),
        '-w',
        wav,
        text,
      ]);
    } else if (voice.source === 'flite') {
      run('flite', ['-voice', voice.name, '-t', text, '-o', wav]);
    } else {
      run('text2wave', ['-o', wav], text);
    }
    pcm = trim(toPcm(wav, raw));
  }
  writeFileSync(cached, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  rmSync(wav, { force: true });
  rmSync(raw, { force: true });
  return pcm;
}
