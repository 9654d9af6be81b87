/**
 * Shaping the counts read from the journal into the published figures: the known outcomes
 * with zeros, the gap-free attempts distribution, the digit order, the ratios. Pure (and
 * unit-tested beside this file); no figure is counted here, only arranged and divided.
 */
import { KNOWN_OUTCOMES } from '../../campaign/outcomes.js';
import type { DigitCount, OutcomeCount } from '../../db/stats.js';
import type { AttemptsPerContactStats, DtmfDigitStats } from './stats.dto.js';

export interface OutcomeFigures {
  readonly attempts: number;
  readonly outcomes: Record<string, number>;
  readonly seizures: number;
  readonly answered: number;
  readonly answerSeizureRatio: number;
}

/** `part / whole`, 0 when `whole` is 0 (an empty interval has ratios of 0, not NaN). */
export const ratio = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);

/** The known outcomes first (zeros included), then any other found, by name. */
export function outcomeFigures(counts: readonly OutcomeCount[]): OutcomeFigures {
  const byOutcome = new Map<string, number>(KNOWN_OUTCOMES.map((o) => [o, 0]));
  for (const c of [...counts].sort((a, b) => a.outcome.localeCompare(b.outcome))) {
    byOutcome.set(c.outcome, (byOutcome.get(c.outcome) ?? 0) + c.attempts);
  }
  const outcomes = Object.fromEntries(byOutcome);
  const attempts = counts.reduce((n, c) => n + c.attempts, 0);
  const seizures = counts.reduce((n, c) => n + c.seizures, 0);
  const answered = byOutcome.get('answered') ?? 0;
  return { attempts, outcomes, seizures, answered, answerSeizureRatio: ratio(answered, seizures) };
}

/** From "contacts per number of attempts" (only the numbers that occur) to 1…max with zeros. */
export function attemptsFigures(contactsByAttempts: ReadonlyMap<number, number>): AttemptsPerContactStats {
  const most = Math.max(0, ...contactsByAttempts.keys());
  const distribution = Array.from({ length: most }, (_, i) => ({
    attempts: i + 1,
    contacts: contactsByAttempts.get(i + 1) ?? 0,
  }));
  const contacts = distribution.reduce((n, b) => n + b.contacts, 0);
  const attempts = distribution.reduce((n, b) => n + b.attempts * b.contacts, 0);
  return { contacts, average: ratio(attempts, contacts), distribution };
}

const KEYPAD = '0123456789*#ABCD';

/** Keypad order: digits, `*`, `#`, `A`–`D`; anything else after them, by name. */
export function digitFigures(counts: readonly DigitCount[]): DtmfDigitStats[] {
  const rank = (digit: string) => {
    const at = KEYPAD.indexOf(digit.toUpperCase());
    return digit.length === 1 && at >= 0 ? at : KEYPAD.length;
  };
  return [...counts]
    .sort((a, b) => rank(a.digit) - rank(b.digit) || a.digit.localeCompare(b.digit))
    .map(({ digit, presses, calls, firstPressed }) => ({ digit, presses, calls, firstPressed }));
}
