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
}

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
  const retryOn: readonly AttemptOutcome[] = policy.retryOn;
  const retryable =
    (retryOn.includes(outcome) && !NEVER_RETRIED.includes(outcome)) ||
    (outcome === 'answered' && machine && policy.retryMachines === true);
  if (!retryable || attempt >= policy.maxAttempts) return { kind: 'done', outcome };
  return { kind: 'retry', at: new Date(endedAt.getTime() + policy.retryDelaySeconds * 1000) };
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
  return problems;
}
