/**
 * What a campaign call costs step by step (issue 23): the worker's
 * `voicecast_call_step_seconds_total` and `voicecast_call_step_runs_total` (lib/step-times.ts)
 * scraped before and after a run, their growth divided by the calls placed. Wall-clock time in
 * the worker, not CPU: a step that waits for PostgreSQL or a busy event loop shows as long.
 */
import { CALL_STEPS, type CallStep } from '../lib/step-times.js';

export type StepSample = Readonly<Record<CallStep, { readonly seconds: number; readonly runs: number }>>;

const LINE = /^voicecast_call_step_(seconds|runs)_total\{step="([a-z]+)"\} ([0-9.eE+-]+)$/;

/** Parses the two counters out of a Prometheus text exposition. */
export function parseStepSample(text: string): StepSample {
  const sample = Object.fromEntries(CALL_STEPS.map((s) => [s, { seconds: 0, runs: 0 }])) as Record<
    CallStep,
    { seconds: number; runs: number }
  >;
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m || !(CALL_STEPS as readonly string[]).includes(m[2])) continue;
    sample[m[2] as CallStep][m[1] === 'seconds' ? 'seconds' : 'runs'] = Number(m[3]);
  }
  return sample;
}

/** The worker's counters now (`url`: its /metrics). */
export async function scrapeSteps(url: string): Promise<StepSample> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return parseStepSample(await res.text());
}

/** One line per call: each step's ms and runs per call between two samples, and where the time outside the call goes. */
export function describeStepCosts(before: StepSample, after: StepSample, calls: number): string[] {
  if (calls <= 0) return ['per call: no call placed'];
  const per = CALL_STEPS.map((step) => ({
    step,
    ms: ((after[step].seconds - before[step].seconds) * 1000) / calls,
    runs: (after[step].runs - before[step].runs) / calls,
  }));
  const outside = per.filter((p) => p.step !== 'sip');
  const total = outside.reduce((sum, p) => sum + p.ms, 0);
  const top = [...outside].sort((a, b) => b.ms - a.ms).slice(0, 3);
  return [
    `per call, worker wall ms (runs): ${per.map((p) => `${p.step} ${p.ms.toFixed(1)} (${p.runs.toFixed(2)})`).join(', ')}`,
    `outside the SIP call ${total.toFixed(1)} ms per call; most: ` +
      top.map((p) => `${p.step} ${total > 0 ? ((p.ms / total) * 100).toFixed(0) : '0'} %`).join(', '),
  ];
}
