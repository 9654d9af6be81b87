/**
 * The statistics' slices (`groupBy`, issue 25): which dimensions the calls are grouped by, and
 * the limits that keep a slice's answer bounded. Pure, so it is unit-tested beside this file;
 * every problem names `groupBy` and none repeats what was sent.
 */
import type { FieldError } from '../../lib/errors.js';
import type { Interval } from './stats-params.js';

/** What the calls can be grouped by; the order of `groupBy` is the groups' sort order. */
export const DIMENSIONS = ['department', 'user', 'campaign', 'trunk', 'outcome', 'hour', 'day'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** At most this many dimensions in one `groupBy`. */
export const MAX_DIMENSIONS = 3;

/** Grouping by hour needs an interval at most this long (31 days: 744 hours). */
export const MAX_HOURLY_DAYS = 31;

/** A slice with more groups than this is refused (422 naming `groupBy`), not truncated. */
export const MAX_GROUPS = 10_000;

/** Longer than any valid `groupBy` (three of the longest names and two commas): refused unread. */
const MAX_LENGTH = 64;

const problem = (message: string): FieldError[] => [{ field: 'groupBy', message }];

const isDimension = (name: string): name is Dimension => (DIMENSIONS as readonly string[]).includes(name);

/**
 * `groupBy` (comma-separated, e.g. `department,day`) into its dimensions, in order; none
 * when it was not given. Unknown, repeated or too many dimensions, or `hour` with `day`
 * (an hour is within one day), are problems.
 */
export function parseGroupBy(value: string | undefined): { dimensions: Dimension[]; errors: FieldError[] } {
  if (value === undefined) return { dimensions: [], errors: [] };
  const list = DIMENSIONS.join(', ');
  if (value.length > MAX_LENGTH) return { dimensions: [], errors: problem(`must be at most ${MAX_LENGTH} characters`) };
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => !isDimension(name))) {
    return { dimensions: [], errors: problem(`must be a comma-separated list of: ${list}`) };
  }
  const dimensions = names as Dimension[];
  if (new Set(dimensions).size !== dimensions.length) {
    return { dimensions: [], errors: problem('must not name a dimension twice') };
  }
  if (dimensions.length > MAX_DIMENSIONS) {
    return { dimensions: [], errors: problem(`must name at most ${MAX_DIMENSIONS} dimensions`) };
  }
  if (dimensions.includes('hour') && dimensions.includes('day')) {
    return { dimensions: [], errors: problem('must not name both hour and day (an hour lies within one day)') };
  }
  return { dimensions, errors: [] };
}

/** Grouping by hour over more than {@link MAX_HOURLY_DAYS} days is a problem (the day is the coarser choice). */
export function hourlyIntervalProblems(dimensions: readonly Dimension[], interval: Interval): FieldError[] {
  const days = (interval.to.getTime() - interval.from.getTime()) / 86_400_000;
  return dimensions.includes('hour') && days > MAX_HOURLY_DAYS
    ? problem(`hour needs from and to at most ${MAX_HOURLY_DAYS} days apart (group by day instead)`)
    : [];
}

/** The problem of a slice with `groups` groups, more than {@link MAX_GROUPS}. */
export function tooManyGroups(groups: number): FieldError[] {
  return problem(
    `the slice has ${groups} groups, more than ${MAX_GROUPS}: group by fewer dimensions or ask for a shorter interval`,
  );
}
