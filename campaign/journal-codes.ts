/**
 * The `end_reason`s the call journal (`call_record`) gives special meaning to: written by
 * the worker (activities/call-journal.ts, place-call.ts, the engine's telephony/dial.ts),
 * read by the API (the calls' `inProgress`, the statistics' seizures). Pure.
 */

/** `end_reason` of the row of an answered call that has not ended yet. */
export const IN_PROGRESS = 'call in progress';

/** `end_reason` of an attempt cancelled (with its campaign) before its call was placed. */
export const CANCELLED_BEFORE_DIALLING = 'cancelled before the call was placed';

/** `end_reason` of a call aborted before anything was sent: no INVITE left, so the trunk was not seized. */
export const ABORTED_BEFORE_DIALLING = 'aborted before dialling';

/**
 * The `end_reason`s (outcome `cancelled`) of attempts journalled although no INVITE was sent:
 * attempts, but not seizures (see the answer-seizure ratio of the statistics).
 */
export const NOT_DIALLED_REASONS: readonly string[] = [CANCELLED_BEFORE_DIALLING, ABORTED_BEFORE_DIALLING];

/**
 * The codes `policy_skip` journals an attempt a policy rule put off under (no call, no
 * attempt used; campaign/policy-rules/rule.ts, docs/policies.md): a reservation by another
 * department, a frequency cap, the `uk` abandoned-call hold, a department's calls per day.
 * Each is also the outcome of the attempt's report to the workflow.
 */
export const POLICY_SKIP_CODES = ['reserved', 'capped', 'abandoned_hold', 'daily_limit'] as const;
