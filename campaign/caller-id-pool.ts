/**
 * Caller-ID pools (issue 20): which number of a campaign's pool a call goes out with. Pure;
 * activities/caller-id-pick.ts reads today's counts and takes the pick atomically.
 * - `rotate`: the number used least today (the owner's count), ties in list order.
 * - `local`: the numbers sharing the longest digit prefix with the callee, provided that
 *   prefix covers the callee's country calling code (so country first, then area code as far
 *   as the digits agree); among them the least used; none in the callee's country: rotate.
 * A number at its daily cap is never picked; every number at its cap: `undefined`.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export const CALLER_ID_STRATEGIES = ['rotate', 'local'] as const;
export type CallerIdStrategy = (typeof CALLER_ID_STRATEGIES)[number];

export interface CallerIdPool {
  readonly numbers: readonly string[];
  readonly strategy: CallerIdStrategy;
  /** Calls per number per UTC day, across every campaign of the owner. */
  readonly dailyCapPerNumber: number;
}

export const MAX_POOL_NUMBERS = 100;
export const MAX_DAILY_CAP = 100_000;
export const DEFAULT_DAILY_CAP = 200;
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Digits in common at the start of two E.164 numbers. */
function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return Math.max(0, i - 1); // the leading `+` is not a digit
}

/** The callee's country calling code (`49` for +49…), undefined when libphonenumber does not know it. */
function countryCode(phone: string): string | undefined {
  return parsePhoneNumberFromString(phone)?.countryCallingCode;
}

/**
 * The pool's numbers in the order they should be tried for a call to `callee`, numbers at
 * their cap left out. `used`: today's count per number.
 */
export function callerIdOrder(pool: CallerIdPool, callee: string, used: ReadonlyMap<string, number>): string[] {
  const free = pool.numbers
    .map((number, index) => ({ number, index, used: used.get(number) ?? 0, score: 0 }))
    .filter((n) => n.used < pool.dailyCapPerNumber);
  if (pool.strategy === 'local') {
    const cc = countryCode(callee);
    for (const n of free) {
      const prefix = commonPrefix(n.number, callee);
      n.score = cc !== undefined && prefix >= cc.length ? prefix : 0;
    }
  }
  free.sort((a, b) => b.score - a.score || a.used - b.used || a.index - b.index);
  return free.map((n) => n.number);
}

/** Problems with a pool, as `[field, message]` pairs under `callerIdPool`. */
export function callerIdPoolProblems(pool: CallerIdPool): [field: string, message: string][] {
  const problems: [string, string][] = [];
  const { numbers } = pool;
  if (numbers.length < 1 || numbers.length > MAX_POOL_NUMBERS) {
    problems.push(['callerIdPool.numbers', `must list 1 to ${MAX_POOL_NUMBERS} numbers`]);
  }
  const seen = new Set<string>();
  numbers.forEach((n, i) => {
    if (typeof n !== 'string' || !E164.test(n)) {
      problems.push([`callerIdPool.numbers[${i}]`, 'must be an E.164 number: + and 7 to 15 digits']);
    } else if (seen.has(n)) problems.push([`callerIdPool.numbers[${i}]`, 'is listed twice']);
    seen.add(n);
  });
  if (!(CALLER_ID_STRATEGIES as readonly string[]).includes(pool.strategy)) {
    problems.push(['callerIdPool.strategy', `must be one of ${CALLER_ID_STRATEGIES.join(', ')}`]);
  }
  const cap = pool.dailyCapPerNumber;
  if (!Number.isInteger(cap) || cap < 1 || cap > MAX_DAILY_CAP) {
    problems.push(['callerIdPool.dailyCapPerNumber', `must be an integer from 1 to ${MAX_DAILY_CAP}`]);
  }
  return problems;
}
