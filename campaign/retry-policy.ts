/**
 * Business retries of a campaign: what happens to a contact after one call attempt. Pure,
 * so the campaign workflow, the activity that records attempts and the API's validation
 * share one rule. Temporal's own retries are only for infrastructure failures; these are
 * about the callee (busy, no answer, …).
 */
import type { AttemptOutcome, CallOutcome } from './outcomes.js';

export interface RetryPolicy {
  /** Attempts per contact in total, the first call included (1 = never retry). */
  readonly maxAttempts: number;
  readonly retryDelaySeconds: number;
  /** Outcomes that earn another attempt. */
  readonly retryOn: readonly CallOutcome[];
  /** An answered call that a machine took (answering-machine detection) earns another attempt too. */
  readonly retryMachines?: boolean;
  /** Rules per outcome; an outcome it does not name follows `retryOn` and `retryDelaySeconds`. */
  readonly byOutcome?: OutcomeRetries | null;
}

/** The outcomes a per-outcome rule may name: the ones that can be retried at all. */
export const RETRIED_OUTCOMES = ['busy', 'no_answer', 'unavailable', 'failed'] as const;
export type RetriedOutcome = (typeof RETRIED_OUTCOMES)[number];

/**
 * How one outcome is retried. Naming an outcome retries it (whether or not `retryOn` lists
 * it). `delaySeconds`: the same wait after every attempt; `delays`: the wait after attempt 1,
 * 2, … (the last one repeats); neither: the campaign's `retryDelaySeconds`. `maxAttempts`:
 * after an attempt with this outcome the contact is called again only when it has had fewer
 * attempts than this (and than the campaign's `maxAttempts`).
 */
export interface OutcomeRetry {
  readonly delaySeconds?: number;
  readonly delays?: readonly number[];
  readonly maxAttempts?: number;
}
export type OutcomeRetries = Partial<Record<RetriedOutcome, OutcomeRetry>>;

/** Longest wait before a retry: a week. */
export const MAX_RETRY_DELAY_SECONDS = 604_800;
/** Most entries of an escalating `delays` list. */
export const MAX_RETRY_DELAYS = 20;

/** What a campaign retries unless told otherwise: `failed` too (a trunk problem may be fixed meanwhile). */
export const DEFAULT_RETRY_ON: readonly CallOutcome[] = ['busy', 'no_answer', 'unavailable', 'failed'];

/**
 * Outcomes that are never retried, whatever the campaign says: an answered call is done; a
 * callee who rejected the call or a number that does not exist must not be called again;
 * a cancelled attempt belongs to a campaign that is stopping; a blocked number is not ours
 * to call.
 */
export const NEVER_RETRIED: readonly AttemptOutcome[] = [
  'answered',
  'rejected',
  'invalid_number',
  'cancelled',
  'blocked',
];

export type AttemptDecision =
  { readonly kind: 'retry'; readonly at: Date } | { readonly kind: 'done'; readonly outcome: AttemptOutcome };

/** After attempt number `attempt` (1-based) ended at `endedAt` with `outcome`; `machine`: a machine answered it. */
export function decideAfterAttempt(
  policy: RetryPolicy,
  attempt: number,
  outcome: AttemptOutcome,
  endedAt: Date,
  machine = false,
): AttemptDecision {
  const rule = ruleFor(policy, outcome);
  const retryOn: readonly AttemptOutcome[] = policy.retryOn;
  const retryable =
    rule !== undefined ||
    (retryOn.includes(outcome) && !NEVER_RETRIED.includes(outcome)) ||
    (outcome === 'answered' && machine && policy.retryMachines === true);
  const cap = Math.min(policy.maxAttempts, rule?.maxAttempts ?? policy.maxAttempts);
  if (!retryable || attempt >= cap) return { kind: 'done', outcome };
  return { kind: 'retry', at: new Date(endedAt.getTime() + retryDelaySeconds(policy, rule, attempt) * 1000) };
}

function ruleFor(policy: RetryPolicy, outcome: AttemptOutcome): OutcomeRetry | undefined {
  const retried: readonly string[] = RETRIED_OUTCOMES;
  return retried.includes(outcome) ? policy.byOutcome?.[outcome as RetriedOutcome] : undefined;
}

/** The wait after attempt `attempt` (1-based): the rule's own, else the campaign's. */
function retryDelaySeconds(policy: RetryPolicy, rule: OutcomeRetry | undefined, attempt: number): number {
  const delays = rule?.delays;
  if (delays && delays.length > 0) return delays[Math.min(attempt, delays.length) - 1] ?? policy.retryDelaySeconds;
  return rule?.delaySeconds ?? policy.retryDelaySeconds;
}

/** Problems with a policy, as `[field, message]` pairs; empty when valid. */
export function retryPolicyProblems(policy: RetryPolicy): [field: string, message: string][] {
  const problems: [string, string][] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1 || policy.maxAttempts > 20) {
    problems.push(['maxAttempts', 'must be an integer from 1 to 20']);
  }
  if (!Number.isInteger(policy.retryDelaySeconds) || policy.retryDelaySeconds < 0) {
    problems.push(['retryDelaySeconds', 'must be a whole number of seconds, 0 or more']);
  }
  const never = policy.retryOn.filter((o) => NEVER_RETRIED.includes(o));
  if (never.length > 0) problems.push(['retryOn', `${never.join(', ')} can never be retried`]);
  if (new Set(policy.retryOn).size !== policy.retryOn.length) problems.push(['retryOn', 'lists an outcome twice']);
  if (policy.byOutcome) problems.push(...outcomeRetriesProblems(policy.byOutcome));
  return problems;
}

const isDelay = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_RETRY_DELAY_SECONDS;
const DELAY_MESSAGE = `must be a whole number of seconds from 0 to ${MAX_RETRY_DELAY_SECONDS}`;

/** Problems with the per-outcome rules, fields as `retry.<outcome>.<field>`. */
export function outcomeRetriesProblems(rules: OutcomeRetries): [field: string, message: string][] {
  const problems: [string, string][] = [];
  const retried: readonly string[] = RETRIED_OUTCOMES;
  for (const [outcome, rule] of Object.entries(rules) as [string, OutcomeRetry | undefined][]) {
    const at = `retry.${outcome}`;
    if (!retried.includes(outcome)) {
      problems.push([at, `${outcome} can never be retried (only ${RETRIED_OUTCOMES.join(', ')})`]);
      continue;
    }
    if (rule === undefined || rule === null) continue;
    if (rule.delaySeconds !== undefined && !isDelay(rule.delaySeconds))
      problems.push([`${at}.delaySeconds`, DELAY_MESSAGE]);
    if (rule.delays !== undefined) {
      if (rule.delays.length < 1 || rule.delays.length > MAX_RETRY_DELAYS) {
        problems.push([`${at}.delays`, `must list 1 to ${MAX_RETRY_DELAYS} delays`]);
      }
      rule.delays.forEach((d, i) => {
        if (!isDelay(d)) problems.push([`${at}.delays[${i}]`, DELAY_MESSAGE]);
      });
      if (rule.delaySeconds !== undefined) problems.push([at, 'give delaySeconds or delays, not both']);
    }
    const max = rule.maxAttempts;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 20)) {
      problems.push([`${at}.maxAttempts`, 'must be an integer from 1 to 20']);
    }
  }
  return problems;
}
