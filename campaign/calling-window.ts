/**
 * Calling windows: the local days and hours in which a campaign may place calls, e.g.
 * Monday–Friday 09:00–20:00 in Europe/Berlin. Pure and deterministic (only `Intl`, which
 * the workflow sandbox has), so the campaign workflow can compute its durable timers from
 * it and the API can validate a window before any workflow exists.
 *
 * Semantics:
 * - `from` is inclusive, `to` exclusive, both `HH:MM` (or `HH:MM:SS`) in the window's time
 *   zone; `to` may be `24:00` (until midnight). A window with `to` before `from` runs overnight: it opens
 *   on each listed day at `from` and closes the next day at `to`.
 * - Daylight saving: a `from` that falls into a spring-forward gap is moved on by the
 *   gap's length (02:30 → 03:30, as java.time and TC39 Temporal's "compatible" do); in the
 *   autumn overlap the earlier instant counts.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Whose clock the window is read on: `campaign` (default) one `timezone` for every call;
 * `number` each callee's own, told from the number's prefix (calling-window-zones.ts), with
 * `timezone` for the numbers whose zone cannot be told.
 */
export const TIMEZONE_SOURCES = ['campaign', 'number'] as const;
export type TimezoneSource = (typeof TIMEZONE_SOURCES)[number];

export interface CallingWindow {
  /** Days on which the window opens. */
  readonly days: readonly Weekday[];
  /** `HH:MM` or `HH:MM:SS`, inclusive. */
  readonly from: string;
  /** `HH:MM` or `HH:MM:SS`, exclusive; `24:00` for midnight. Before `from`: overnight window. */
  readonly to: string;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  readonly timezone: string;
  /** Absent = `campaign`. */
  readonly timezoneFrom?: TimezoneSource;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$/;
const DAY_SECONDS = 24 * 3600;

/** Problems with a window, as `[field, message]` pairs; empty when it is valid. */
export function calendarProblems(window: CallingWindow): [field: string, message: string][] {
  const problems: [string, string][] = [];
  if (window.days.length === 0) problems.push(['days', 'needs at least one day']);
  for (const day of window.days) {
    if (!WEEKDAYS.includes(day)) problems.push(['days', `unknown day "${String(day)}" (use ${WEEKDAYS.join(', ')})`]);
  }
  if (new Set(window.days).size !== window.days.length) problems.push(['days', 'lists a day twice']);
  const fromOk = TIME.test(window.from);
  const toOk = TIME.test(window.to) || window.to === '24:00';
  if (!fromOk) problems.push(['from', 'must be HH:MM or HH:MM:SS (00:00–23:59:59)']);
  if (!toOk) problems.push(['to', 'must be HH:MM or HH:MM:SS (00:00–24:00)']);
  if (fromOk && toOk && secondsOf(window.from) === secondsOf(window.to))
    problems.push(['to', 'must differ from "from"']);
  if (!isTimeZone(window.timezone)) problems.push(['timezone', 'must be an IANA time zone such as Europe/Berlin']);
  if (window.timezoneFrom !== undefined && !TIMEZONE_SOURCES.includes(window.timezoneFrom)) {
    problems.push(['timezoneFrom', `must be one of ${TIMEZONE_SOURCES.join(', ')}`]);
  }
  return problems;
}

export function isTimeZone(name: string): boolean {
  if (!name) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Whether calls may be placed at `at`. */
export function isWithinWindow(window: CallingWindow, at: Date): boolean {
  const local = localParts(at, window.timezone);
  const second = local.hour * 3600 + local.minute * 60 + local.second;
  const from = secondsOf(window.from);
  const to = secondsOf(window.to);
  const today = window.days.includes(WEEKDAYS[local.weekday]);
  if (from < to) return today && second >= from && second < to;
  const yesterday = window.days.includes(WEEKDAYS[(local.weekday + 6) % 7]);
  return (today && second >= from) || (yesterday && second < to);
}

/**
 * The first instant at or after `at` at which the window is open: `at` itself when it is
 * open now. Always found within eight days, since every valid window opens once a week.
 */
export function nextOpening(window: CallingWindow, at: Date): Date {
  if (isWithinWindow(window, at)) return at;
  const local = localParts(at, window.timezone);
  const from = secondsOf(window.from);
  for (let offset = 0; offset <= 8; offset += 1) {
    const day = civilDayAfter(local, offset);
    if (!window.days.includes(WEEKDAYS[day.weekday])) continue;
    const opening = instantOf(window.timezone, day, from);
    if (opening.getTime() > at.getTime()) return opening;
  }
  throw new Error('calling window never opens (was it validated?)');
}

/** When the window that is open at `at` closes (the instant calls must stop being placed). */
export function currentClosing(window: CallingWindow, at: Date): Date | undefined {
  if (!isWithinWindow(window, at)) return undefined;
  const local = localParts(at, window.timezone);
  const from = secondsOf(window.from);
  const to = secondsOf(window.to);
  const second = local.hour * 3600 + local.minute * 60 + local.second;
  // Overnight and before `to`: the window opened yesterday and closes today.
  const closesTomorrow = from > to ? second >= from : to === DAY_SECONDS;
  const day = civilDayAfter(local, closesTomorrow ? 1 : 0);
  return instantOf(window.timezone, day, to === DAY_SECONDS ? 0 : to);
}

/** Seconds since midnight of `HH:MM` or `HH:MM:SS`. */
function secondsOf(time: string): number {
  const [h = 0, m = 0, s = 0] = time.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

interface CivilDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Monday … 6 = Sunday. */
  readonly weekday: number;
}

interface LocalParts extends CivilDay {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(at: Date, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return { year, month, day, hour, minute, second, weekday: weekdayOf(year, month, day) };
}

/** 0 = Monday … 6 = Sunday, for a proleptic Gregorian date. */
function weekdayOf(year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

function civilDayAfter(day: CivilDay, offset: number): CivilDay {
  const d = new Date(Date.UTC(day.year, day.month - 1, day.day + offset));
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const date = d.getUTCDate();
  return { year, month, day: date, weekday: weekdayOf(year, month, date) };
}

/** Offset of the zone from UTC at `utcMs`, in ms (local = UTC + offset). */
function offsetAt(timeZone: string, utcMs: number): number {
  const p = localParts(new Date(utcMs), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The instant of a local wall-clock time. In a DST gap the time does not exist and is moved
 * on by the gap's length; in an overlap, the earlier of the two instants.
 */
export function instantOf(timeZone: string, day: CivilDay, secondOfDay: number): Date {
  const wall = Date.UTC(day.year, day.month - 1, day.day) + secondOfDay * 1000;
  // Try both offsets around the wall time; keep the earliest candidate that maps back exactly.
  const offsets = [offsetAt(timeZone, wall - 86_400_000), offsetAt(timeZone, wall + 86_400_000)];
  const exact = offsets
    .map((offset) => wall - offset)
    .filter((utc) => utc + offsetAt(timeZone, utc) === wall)
    .sort((a, b) => a - b);
  if (exact.length > 0) return new Date(exact[0]);
  // A gap (the clock jumped forward over it): shift by the gap's length, read with the offset before it.
  return new Date(wall - Math.min(...offsets));
}
