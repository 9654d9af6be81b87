/**
 * Compliance profiles: sets of rules a campaign (or, for all of an owner's campaigns, the
 * owner's policy) takes on, each rule named so that a refusal can say which one it is.
 * Pure, so the API (which refuses settings that break a rule) and the worker (which holds a
 * number back at dial time) read the same rules.
 *
 * - `none`: no rule of its own (today's behaviour).
 * - `us` (TCPA / TSR style): calls only 08:00–21:00 in the callee's local time, ring at
 *   least 15 s, an opt-out key; the abandoned-call rate is reported by the statistics.
 * - `uk` (OFCOM persistent-misuse policy): no call to a number within 72 h of an abandoned
 *   call to it, across all of the owner's campaigns (enforced when the call is placed).
 *
 * Profiles add up: a campaign's own and its owner's both apply. What no profile can check
 * (consent, do-not-call registers, caller-ID rules…) stays the operator's duty
 * (docs/campaigns.md, "Compliance profiles").
 */
import type { CallingWindow } from './calling-window.js';

export const COMPLIANCE_PROFILES = ['none', 'us', 'uk'] as const;
export type ComplianceProfile = (typeof COMPLIANCE_PROFILES)[number];

/** `us`: the local hours in which calls may be placed. */
export const US_CALLING_HOURS = { from: '08:00', to: '21:00' } as const;
/** `us`: the shortest ring (seconds) before a call may be given up as not answered. */
export const US_MIN_RING_SECONDS = 15;
/** `uk`: how long a number is not called again after an abandoned call to it. */
export const UK_ABANDONED_HOLD_SECONDS = 72 * 3600;

/** The rules, by the name a refusal gives; `field` is the campaign setting a settings rule reads. */
export const COMPLIANCE_RULES = {
  'us.calling-hours': { profile: 'us', field: 'callingWindow' },
  'us.ring-time': { profile: 'us', field: 'ringTimeoutSeconds' },
  'us.opt-out-digit': { profile: 'us', field: 'optOutDigit' },
  'uk.abandoned-call-hold': { profile: 'uk', field: null },
} as const;
export type ComplianceRule = keyof typeof COMPLIANCE_RULES;

/** The settings the settings rules read. */
export interface ComplianceSettings {
  readonly callingWindow: CallingWindow | null;
  readonly ringTimeoutSeconds: number;
  readonly optOutDigit: string | null;
}

/** A broken rule: which, the field (relative to the campaign's settings) and why. */
export interface ComplianceProblem {
  readonly rule: ComplianceRule;
  readonly field: string;
  readonly message: string;
}

/** The profiles that apply (each once, `none` left out): the campaign's own and its owner's. */
export function profilesInForce(...profiles: readonly (ComplianceProfile | null | undefined)[]): ComplianceProfile[] {
  return [...new Set(profiles.filter((p): p is ComplianceProfile => p !== undefined && p !== null && p !== 'none'))];
}

const seconds = (time: string): number => {
  const [h = 0, m = 0, s = 0] = time.split(':').map(Number);
  return h * 3600 + m * 60 + s;
};

/** What breaks `us.calling-hours`: a window on the callee's clock, inside 08:00–21:00. */
function usCallingHours(window: CallingWindow | null): ComplianceProblem[] {
  const rule = 'us.calling-hours';
  const hours = `${US_CALLING_HOURS.from}–${US_CALLING_HOURS.to} in the callee's local time`;
  if (window === null) {
    return [{ rule, field: 'callingWindow', message: `is required: calls only ${hours} (${rule})` }];
  }
  const problems: ComplianceProblem[] = [];
  if (window.timezoneFrom !== 'number') {
    const message = `must be "number": the hours are the callee's, told from the number (${rule})`;
    problems.push({ rule, field: 'callingWindow.timezoneFrom', message });
  }
  const from = seconds(window.from);
  const to = window.to === '24:00' ? 24 * 3600 : seconds(window.to);
  if (from < seconds(US_CALLING_HOURS.from)) {
    problems.push({
      rule,
      field: 'callingWindow.from',
      message: `must be ${US_CALLING_HOURS.from} or later (${rule})`,
    });
  }
  if (to > seconds(US_CALLING_HOURS.to) || to <= from) {
    const message = `must be ${US_CALLING_HOURS.to} or earlier, on the day the window opens (${rule})`;
    problems.push({ rule, field: 'callingWindow.to', message });
  }
  return problems;
}

/**
 * The rules `settings` break under `profiles` (empty when none). Only the settings rules:
 * `uk.abandoned-call-hold` is the worker's, at dial time ({@link abandonedHoldUntil}).
 */
export function complianceProblems(
  profiles: readonly ComplianceProfile[],
  settings: ComplianceSettings,
): ComplianceProblem[] {
  if (!profiles.includes('us')) return [];
  const problems = usCallingHours(settings.callingWindow);
  if (settings.ringTimeoutSeconds < US_MIN_RING_SECONDS) {
    const rule = 'us.ring-time';
    problems.push({ rule, field: 'ringTimeoutSeconds', message: `must be at least ${US_MIN_RING_SECONDS} (${rule})` });
  }
  if (settings.optOutDigit === null) {
    const rule = 'us.opt-out-digit';
    problems.push({ rule, field: 'optOutDigit', message: `is required: the callee must be able to opt out (${rule})` });
  }
  return problems;
}

/**
 * `uk.abandoned-call-hold`: when a number whose last abandoned call (by the same owner)
 * ended at `lastAbandonedAt` may be called again, or undefined when it may be called `now`.
 */
export function abandonedHoldUntil(
  profiles: readonly ComplianceProfile[],
  lastAbandonedAt: Date | undefined,
  now: Date,
): Date | undefined {
  if (!profiles.includes('uk') || lastAbandonedAt === undefined) return undefined;
  const until = new Date(lastAbandonedAt.getTime() + UK_ABANDONED_HOLD_SECONDS * 1000);
  return until.getTime() > now.getTime() ? until : undefined;
}

/**
 * SQL predicate on `call_record`: an abandoned call. A person answered (as answering-machine
 * detection treated the call: a `human` verdict, or `unknown` counted as human) and the
 * dialler hung up without playing anything (the campaign's `onHuman: hang_up`). Calls
 * answered with detection off always get the message at the answer: never abandoned.
 */
export const ABANDONED_CALL_SQL = `(outcome = 'answered' AND machine_detection->>'treatedAs' = 'human'
  AND machine_detection->>'action' = 'hung_up')`;

/**
 * SQL predicate on `call_record`: a call a person answered (the abandoned rate's
 * denominator): answered and not treated as a machine (detection off, or a human verdict).
 */
export const LIVE_ANSWERED_SQL = `(outcome = 'answered' AND coalesce(machine_detection->>'treatedAs', 'human') = 'human')`;

/** Abandoned calls over the calls a person answered; 0 when no person answered any (figures over nothing are 0). */
export function abandonedRate(abandoned: number, liveAnswered: number): number {
  return liveAnswered === 0 ? 0 : abandoned / liveAnswered;
}
