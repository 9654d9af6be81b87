/**
 * `make bench-sip` with BENCH_AMD=1 (see sip-bench.ts): what answering-machine detection
 * adds to part (b)'s 1,000 calls, run without and with it, and the detector's own cost per
 * frame, which a shared host's noise does not blur.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallResult } from '../telephony/call-types.js';
import { AmdFeed } from '../telephony/amd/amd-feed.js';
import { babble, concat, seededRandom, silence } from '../telephony/amd/amd-signals.js';
import { encodeAlaw } from '../telephony/media/g711.js';

/** What one run of part (b) cost: CPU time of this process (all threads) and wall time. */
export interface RunCost {
  readonly cpuMs: number;
  readonly wallMs: number;
  /** With detection: the verdict's p50, ms from the answer. */
  readonly decisionMs?: number;
}

/** Detection as a campaign would ask it: act on the verdict, the message either way. */
export const BENCH_DETECTION = { mode: 'detect', unknownAs: 'human', onHuman: 'play', onMachine: 'play' } as const;

/** "machine/long_greeting 998, …, decided in p50 … ms": what detection made of the gateway's speech. */
export function verdicts(results: readonly CallResult[]): string {
  const counts = new Map<string, number>();
  const times: number[] = [];
  for (const r of results) {
    const amd = r.machineDetection;
    const key = amd ? `${amd.verdict}/${amd.cause}` : 'none';
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (amd) times.push(amd.decisionMs);
  }
  times.sort((a, b) => a - b);
  const p50 = times.length ? `, decided at p50 ${times[Math.floor(times.length / 2)]} ms from the answer` : '';
  return `${[...counts].map(([k, c]) => `${k} ${c}`).join(', ')}${p50}`;
}

/**
 * BENCH_AMD=1: part (b) without detection and with it, BENCH_AMD_ROUNDS times (default 2)
 * in alternating order (off/on, on/off, …) so a busy host's drift falls on both; each run in
 * a process of its own, leaving its CPU time in a file. Prints each pair, the medians, and
 * the detector's own cost per frame, which a shared host's noise does not blur.
 */
export async function detectionCost(
  calls: readonly number[],
  workDir: string,
  runPart: (env: Record<string, string>) => Promise<void>,
  print: (line: string) => void,
): Promise<void> {
  const rounds = Number(process.env.BENCH_AMD_ROUNDS ?? 2);
  for (const n of calls) {
    const runs = { off: [] as RunCost[], on: [] as RunCost[] };
    for (let round = 0; round < rounds; round += 1) {
      for (const run of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const file = join(workDir, `amd-${n}-${round}-${run}.json`);
        await runPart({ BENCH_CALLS: String(n), BENCH_AMD_RUN: run, BENCH_AMD_RESULT: file });
        runs[run].push(JSON.parse(readFileSync(file, 'utf8')) as RunCost);
      }
      print(`  ${String(n).padStart(5)} calls, round ${round + 1}: ${costChange(runs.off[round], runs.on[round], n)}`);
    }
    const share = (costs: RunCost[]): number => median(costs.map((c) => (c.cpuMs / c.wallMs) * 100));
    const perCall = (costs: RunCost[]): number => median(costs.map((c) => c.cpuMs / n));
    print(
      `  ${String(n).padStart(5)} calls, medians of ${rounds}: CPU ${share(runs.off).toFixed(1)} % → ` +
        `${share(runs.on).toFixed(1)} % of one core, ${percent(share(runs.off), share(runs.on))}; CPU time ` +
        `${perCall(runs.off).toFixed(1)} → ${perCall(runs.on).toFixed(1)} ms per call, ${percent(perCall(runs.off), perCall(runs.on))}`,
    );
    const frameUs = detectorFrameCost();
    const frames = median(runs.on.map((c) => c.decisionMs ?? 0)) / 20;
    const callUs = (frames * frameUs) / 1000;
    print(
      `  ${String(n).padStart(5)} calls, the detector alone: ${frameUs.toFixed(2)} µs per 20 ms frame; to the verdict ` +
        `(p50 ${(frames * 20).toFixed(0)} ms, ${frames.toFixed(0)} frames) ${callUs.toFixed(2)} ms per call, ` +
        `${((callUs / perCall(runs.off)) * 100).toFixed(1)} % of a call's CPU without detection`,
    );
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}

function percent(from: number, to: number): string {
  const change = ((to - from) / from) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)} %`;
}

/** "CPU 78.2 % → 82.2 % of one core, +5.2 % (target ≤ 5 %); CPU time …": detection off → on. */
function costChange(off: RunCost, on: RunCost, n: number): string {
  const share = (cost: RunCost): number => (cost.cpuMs / cost.wallMs) * 100;
  return (
    `answering-machine detection off → on: CPU ${share(off).toFixed(1)} % → ${share(on).toFixed(1)} % of one core, ` +
    `${percent(share(off), share(on))} (target ≤ 5 %); CPU time ${(off.cpuMs / n).toFixed(1)} → ` +
    `${(on.cpuMs / n).toFixed(1)} ms per call, ${percent(off.cpuMs, on.cpuMs)}, over ` +
    `${(off.wallMs / 1000).toFixed(1)} → ${(on.wallMs / 1000).toFixed(1)} s (the message waits for the verdict)`
  );
}

/**
 * CPU µs per 20 ms frame of what a call with detection runs on each packet it receives
 * (G.711 decode and detector, amd-feed.ts): 200 feeds over 10 s of seeded speech-like audio
 * and silence, best of three (this process does nothing else meanwhile).
 */
function detectorFrameCost(): number {
  const alaw = encodeAlaw(concat(babble(7000, -15, seededRandom(19)), silence(3000)));
  let best = Infinity;
  for (let round = 0; round < 3; round += 1) {
    const start = process.cpuUsage();
    let frames = 0;
    for (let call = 0; call < 200; call += 1) {
      const feed = new AmdFeed({}, 0, () => undefined);
      for (let n = 0; n * 160 < alaw.length && !feed.done; n += 1, frames += 1)
        feed.packet(n * 160, alaw.subarray(n * 160, (n + 1) * 160), 'PCMA', n * 20 + 20);
    }
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / frames);
  }
  return best;
}
