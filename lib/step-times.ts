/**
 * Where a campaign call's time goes, step by step, summed over the worker's life (issue 23):
 * the worker's /metrics exports the sums (`voicecast_call_step_seconds_total{step}`,
 * `voicecast_call_step_runs_total{step}`), and `make bench-campaign` prints their growth over
 * a run divided by the calls placed, so the next bottleneck is visible.
 *
 * Wall-clock time of each step's await, not CPU: under load a step's time includes waiting for
 * the event loop and for PostgreSQL, which is what a bottleneck looks like from the call. The
 * steps do not overlap within one call, except `upload` (the spool write, inside `journal`'s
 * span of the call's end) and `sip` (the whole call, message included).
 *
 * Process-wide and aggregate only: a step's name, how often it ran and for how long. No id,
 * owner or number is kept, so nothing of one campaign or tenant can reach another through it.
 */

/** The steps, in the order a call goes through them. */
export const CALL_STEPS = [
  'claim', // the workflow's claim of due contacts (per claim, not per call)
  'setup', // the campaign's call setup, audio and owner policy read for the attempt
  'admit', // the policy's admit stage: blocklist, reservation (one read each)
  'leases', // a trunk line and the owner's, department's and campaign's places, and their release
  'pacing', // waiting for the campaign's and the trunk's calls-per-second slots
  'ledger', // the dial ledger's transaction: compliance hold, frequency cap, daily limit, trunk slot
  'sip', // INVITE to the end of the call, message included
  'journal', // the journal rows: the answer before the ACK, the attempt's row at the end
  'upload', // the recording into the spool (or straight to object storage)
  'webhooks', // starting the campaign's webhook deliveries after the attempt
] as const;

export type CallStep = (typeof CALL_STEPS)[number];

export interface StepTotal {
  readonly step: CallStep;
  /** How often the step ran. */
  readonly runs: number;
  /** Its wall-clock time, summed. */
  readonly seconds: number;
}

const totals = new Map<CallStep, { runs: number; ms: number }>(CALL_STEPS.map((s) => [s, { runs: 0, ms: 0 }]));

/** Adds one run of `step` that took `ms`. */
export function addStepTime(step: CallStep, ms: number): void {
  const total = totals.get(step);
  if (!total || !Number.isFinite(ms) || ms < 0) return;
  total.runs += 1;
  total.ms += ms;
}

/** Runs `work` and adds its time to `step`, whether it resolves or throws. */
export async function timed<T>(step: CallStep, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    addStepTime(step, performance.now() - start);
  }
}

/** Every step's totals so far, in {@link CALL_STEPS} order. */
export function stepTotals(): StepTotal[] {
  return CALL_STEPS.map((step) => {
    const { runs, ms } = totals.get(step) ?? { runs: 0, ms: 0 };
    return { step, runs, seconds: ms / 1000 };
  });
}
