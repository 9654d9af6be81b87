import {
  calendarProblems,
  currentClosing,
  instantOf,
  isWithinWindow,
  nextOpening,
  type CallingWindow,
} from './calling-window.js';

const berlinWeekdays: CallingWindow = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  from: '09:00',
  to: '20:00',
  timezone: 'Europe/Berlin',
};
const at = (iso: string) => new Date(iso);

describe('calling window', () => {
  test('open and closed instants in the window time zone (CET = UTC+1 in winter)', () => {
    // Tuesday 2026-12-01.
    expect(isWithinWindow(berlinWeekdays, at('2026-12-01T07:59:59Z'))).toBe(false); // 08:59:59 local
    expect(isWithinWindow(berlinWeekdays, at('2026-12-01T08:00:00Z'))).toBe(true); // 09:00 local
    expect(isWithinWindow(berlinWeekdays, at('2026-12-01T18:59:59Z'))).toBe(true); // 19:59:59 local
    expect(isWithinWindow(berlinWeekdays, at('2026-12-01T19:00:00Z'))).toBe(false); // 20:00 local: `to` is exclusive
    // Saturday.
    expect(isWithinWindow(berlinWeekdays, at('2026-12-05T10:00:00Z'))).toBe(false);
  });

  test('next opening: now when open, later today, or the next listed day', () => {
    const open = at('2026-12-01T10:00:00Z');
    expect(nextOpening(berlinWeekdays, open)).toBe(open);
    expect(nextOpening(berlinWeekdays, at('2026-12-01T06:00:00Z')).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    // Friday evening → Monday 09:00.
    expect(nextOpening(berlinWeekdays, at('2026-12-04T19:30:00Z')).toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(currentClosing(berlinWeekdays, open)?.toISOString()).toBe('2026-12-01T19:00:00.000Z');
    expect(currentClosing(berlinWeekdays, at('2026-12-05T10:00:00Z'))).toBeUndefined();
  });

  test('the same local hours follow daylight saving (CEST = UTC+2 in summer)', () => {
    expect(nextOpening(berlinWeekdays, at('2026-07-01T05:00:00Z')).toISOString()).toBe('2026-07-01T07:00:00.000Z');
    // The weekend of the spring change: Friday 27 March after hours → Monday 30 March, already CEST.
    expect(nextOpening(berlinWeekdays, at('2026-03-27T20:00:00Z')).toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  test('an overnight window opens on the listed day and closes the next morning', () => {
    const night: CallingWindow = { days: ['fri'], from: '22:00', to: '02:00', timezone: 'UTC' };
    expect(isWithinWindow(night, at('2026-12-04T23:00:00Z'))).toBe(true); // Friday 23:00
    expect(isWithinWindow(night, at('2026-12-05T01:59:00Z'))).toBe(true); // Saturday 01:59, opened Friday
    expect(isWithinWindow(night, at('2026-12-05T02:00:00Z'))).toBe(false);
    expect(isWithinWindow(night, at('2026-12-04T01:00:00Z'))).toBe(false); // Friday 01:00: Thursday is not listed
    expect(currentClosing(night, at('2026-12-04T23:00:00Z'))?.toISOString()).toBe('2026-12-05T02:00:00.000Z');
    expect(currentClosing(night, at('2026-12-05T01:00:00Z'))?.toISOString()).toBe('2026-12-05T02:00:00.000Z');
    expect(nextOpening(night, at('2026-12-05T03:00:00Z')).toISOString()).toBe('2026-12-11T22:00:00.000Z');
  });

  test('until midnight with 24:00', () => {
    const evening: CallingWindow = { days: ['sun'], from: '18:00', to: '24:00', timezone: 'America/New_York' };
    // Sunday 2026-12-06 23:59 in New York (UTC-5) is Monday 04:59 UTC.
    expect(isWithinWindow(evening, at('2026-12-07T04:59:00Z'))).toBe(true);
    expect(isWithinWindow(evening, at('2026-12-07T05:00:00Z'))).toBe(false);
    expect(currentClosing(evening, at('2026-12-07T00:00:00Z'))?.toISOString()).toBe('2026-12-07T05:00:00.000Z');
  });

  test('local times in a DST gap move on by the gap; in an overlap the earlier instant counts', () => {
    const day = { year: 2026, month: 3, day: 29, weekday: 6 };
    expect(instantOf('Europe/Berlin', day, 2.5 * 3600).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // = 03:30 CEST
    const autumn = { year: 2026, month: 10, day: 25, weekday: 6 };
    expect(instantOf('Europe/Berlin', autumn, 2.5 * 3600).toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    // Southern hemisphere, and a zone with a half-hour offset.
    expect(instantOf('Australia/Sydney', { year: 2026, month: 7, day: 1, weekday: 2 }, 9 * 3600).toISOString()).toBe(
      '2026-06-30T23:00:00.000Z',
    );
    expect(instantOf('Asia/Kolkata', { year: 2026, month: 7, day: 1, weekday: 2 }, 9 * 3600).toISOString()).toBe(
      '2026-07-01T03:30:00.000Z',
    );
  });

  test('seconds, for windows a few seconds away', () => {
    const soon: CallingWindow = { days: ['tue'], from: '10:00:05', to: '10:00:30', timezone: 'UTC' };
    expect(isWithinWindow(soon, at('2026-12-01T10:00:04Z'))).toBe(false);
    expect(isWithinWindow(soon, at('2026-12-01T10:00:05Z'))).toBe(true);
    expect(nextOpening(soon, at('2026-12-01T10:00:01Z')).toISOString()).toBe('2026-12-01T10:00:05.000Z');
    expect(currentClosing(soon, at('2026-12-01T10:00:06Z'))?.toISOString()).toBe('2026-12-01T10:00:30.000Z');
  });

  test('validation names each bad field', () => {
    expect(calendarProblems(berlinWeekdays)).toEqual([]);
    const bad = calendarProblems({
      days: ['mon', 'mon', 'xyz' as never],
      from: '9:00',
      to: '25:00',
      timezone: 'Mars/Olympus',
    });
    expect(bad.map(([field]) => field).sort()).toEqual(['days', 'days', 'from', 'timezone', 'to']);
    expect(calendarProblems({ ...berlinWeekdays, days: [] })).toEqual([['days', 'needs at least one day']]);
    expect(calendarProblems({ ...berlinWeekdays, to: '09:00:00' })).toEqual([['to', 'must differ from "from"']]);
  });
});
