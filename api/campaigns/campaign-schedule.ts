/**
 * A campaign's schedule (`startAt`, `endAt`): merging a request into what is stored, and the
 * checks tsoa's pattern cannot make (a real instant, the order of the two, how far ahead).
 * Pure, so it is unit-tested beside this file.
 */
import type { FieldError } from '../../lib/errors.js';

/** The farthest ahead a campaign may be scheduled to start. */
export const MAX_START_AHEAD_DAYS = 366;
/** A `startAt` this little in the past still counts as now (clients' clocks differ). */
export const PAST_GRACE_MS = 60_000;

export interface Schedule {
  readonly startAt: Date | null;
  readonly endAt: Date | null;
}

/** What a request says about the schedule: absent = unchanged, null = cleared. */
export interface ScheduleRequest {
  readonly startAt?: string | null;
  readonly endAt?: string | null;
}

/** Parses a request's times onto `base`; each one that is no real instant is a problem. */
export function mergeSchedule(base: Schedule, body: ScheduleRequest): { schedule: Schedule; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const parse = (field: 'startAt' | 'endAt'): Date | null => {
    const value = body[field];
    if (value === undefined) return base[field];
    if (value === null) return null;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) errors.push({ field: `body.${field}`, message: 'not a valid date and time' });
    return at;
  };
  return { schedule: { startAt: parse('startAt'), endAt: parse('endAt') }, errors };
}

/**
 * What is wrong with a schedule set now: a start in the past or more than
 * {@link MAX_START_AHEAD_DAYS} ahead, an end in the past or not after the start. Only the
 * fields in `changed` are judged against `now` (a stored start that has passed since is the
 * caller's to decide on), the order always.
 */
export function scheduleProblems(
  schedule: Schedule,
  now: Date,
  changed: ReadonlySet<'startAt' | 'endAt'>,
): FieldError[] {
  const errors: FieldError[] = [];
  const { startAt, endAt } = schedule;
  if (startAt && !Number.isNaN(startAt.getTime()) && changed.has('startAt')) {
    if (startAt.getTime() < now.getTime() - PAST_GRACE_MS) {
      errors.push({ field: 'body.startAt', message: 'lies in the past' });
    } else if (startAt.getTime() > now.getTime() + MAX_START_AHEAD_DAYS * 86_400_000) {
      errors.push({ field: 'body.startAt', message: `more than ${MAX_START_AHEAD_DAYS} days ahead` });
    }
  }
  if (endAt && !Number.isNaN(endAt.getTime())) {
    if (changed.has('endAt') && endAt.getTime() <= now.getTime()) {
      errors.push({ field: 'body.endAt', message: 'lies in the past' });
    } else if (startAt && endAt.getTime() <= startAt.getTime()) {
      errors.push({ field: 'body.endAt', message: 'must be after startAt' });
    }
  }
  return errors;
}

/** The fields of `body` that change the schedule. */
export function scheduleFieldsGiven(body: ScheduleRequest): Set<'startAt' | 'endAt'> {
  return new Set((['startAt', 'endAt'] as const).filter((f) => body[f] !== undefined));
}
