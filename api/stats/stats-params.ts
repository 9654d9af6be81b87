/**
 * The statistics' query parameters: the interval of INVITE times and the time zone of the
 * hourly buckets. Pure, so it is unit-tested beside this file; every problem names its
 * parameter (`from`, `to`, `timezone`, `ownerId`).
 */
import type { FieldError } from '../../lib/errors.js';
import { isTimeZone } from '../../campaign/calling-window.js';
import { isUuid } from '../keyset-cursor.js';

/** Without `from`, the interval is the day (24 hours) before `to`. */
export const DEFAULT_INTERVAL_MS = 24 * 3_600_000;

/** The longest interval asked for: the hourly series of a year is ~8,800 buckets. */
export const MAX_INTERVAL_DAYS = 366;

/**
 * RFC 3339 / ISO 8601 extended date and time with an offset: `2026-12-01T09:00:00+01:00`,
 * `…T08:00Z`, seconds and up to 3 fraction digits optional. A space before the offset is a
 * `+` that was not percent-encoded in the query string (`+` decodes to a space there), so it
 * is read as `+`: the string cannot mean anything else.
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:(Z)|([+\- ])(\d{2}):(\d{2}))$/i;

const INSTANT_MESSAGE =
  'must be an ISO 8601 date and time with an offset, e.g. 2026-12-01T09:00:00+01:00 or 2026-12-01T08:00:00Z (at most millisecond precision)';

/** The instant `value` names, or undefined when it is not a valid date and time with an offset. */
export function parseInstant(value: string): Date | undefined {
  const m = INSTANT.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map((part) => Number(part ?? 0));
  const millis = Number((m[7] ?? '').padEnd(3, '0'));
  const [offsetHours, offsetMinutes] = [Number(m[10] ?? 0), Number(m[11] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(local);
  // Date.UTC rolls 2026-02-30 over into March: a day that does not exist is refused.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  const sign = m[9] === '-' ? -1 : 1;
  const offsetMs = m[8] ? 0 : sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(local - offsetMs);
}

export interface Interval {
  readonly from: Date;
  readonly to: Date;
}

/**
 * `[from, to)` from the query: `to` defaults to `now`, `from` to {@link DEFAULT_INTERVAL_MS}
 * before `to`. `from` must be before `to`, at most {@link MAX_INTERVAL_DAYS} apart; a
 * problem with the pair names the parameter that was given (`to` when both were).
 */
export function resolveInterval(
  query: { readonly from?: string; readonly to?: string },
  now: Date,
): { interval?: Interval; errors: FieldError[] } {
  const from = query.from === undefined ? undefined : parseInstant(query.from);
  const to = query.to === undefined ? now : parseInstant(query.to);
  const errors: FieldError[] = [];
  if (query.from !== undefined && !from) errors.push({ field: 'from', message: INSTANT_MESSAGE });
  if (!to) errors.push({ field: 'to', message: INSTANT_MESSAGE });
  if (errors.length > 0 || !to) return { errors };
  const start = from ?? new Date(to.getTime() - DEFAULT_INTERVAL_MS);
  const blame = query.to !== undefined || query.from === undefined ? 'to' : 'from';
  if (start.getTime() >= to.getTime()) {
    const message = blame === 'to' ? 'must be after from' : 'must be before to (now when not given)';
    return { errors: [{ field: blame, message }] };
  }
  if (to.getTime() - start.getTime() > MAX_INTERVAL_DAYS * 86_400_000) {
    return { errors: [{ field: blame, message: `from and to may be at most ${MAX_INTERVAL_DAYS} days apart` }] };
  }
  return { interval: { from: start, to }, errors: [] };
}

/** IANA names only (`Europe/Berlin`, `UTC`, `Etc/GMT+5`): no bare offsets or POSIX rules. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Problems with the `timezone` parameter (PostgreSQL must know the zone too; the service checks that). */
export function timezoneProblems(timezone: string): FieldError[] {
  return ZONE_NAME.test(timezone) && isTimeZone(timezone)
    ? []
    : [{ field: 'timezone', message: 'must be an IANA time zone such as Europe/Berlin or UTC' }];
}

/** Problems with the `ownerId` parameter. */
export function ownerIdProblems(ownerId: string | undefined): FieldError[] {
  return ownerId === undefined || isUuid(ownerId) ? [] : [{ field: 'ownerId', message: 'must be a user id (uuid)' }];
}
