import { MAX_START_AHEAD_DAYS, mergeSchedule, scheduleFieldsGiven, scheduleProblems } from './campaign-schedule';

const now = new Date('2026-12-06T20:00:00Z');
const at = (iso: string) => new Date(iso);

describe('campaign schedule', () => {
  it('merges what is given, keeps the rest, clears with null, reads the offset', () => {
    const base = { startAt: at('2026-12-07T08:00:00Z'), endAt: at('2026-12-07T18:00:00Z') };
    expect(mergeSchedule(base, {}).schedule).toEqual(base);
    expect(mergeSchedule(base, { endAt: null }).schedule).toEqual({ startAt: base.startAt, endAt: null });
    expect(mergeSchedule(base, { startAt: '2026-12-07T09:00:00+01:00' }).schedule.startAt).toEqual(
      at('2026-12-07T08:00:00Z'),
    );
    expect(mergeSchedule(base, { startAt: '2026-13-07T09:00:00Z' }).errors).toEqual([
      { field: 'body.startAt', message: 'not a valid date and time' },
    ]);
  });

  it('wants a start ahead (but not absurdly far) and an end after it', () => {
    const both = new Set(['startAt', 'endAt'] as const);
    const ok = { startAt: at('2026-12-06T20:00:05Z'), endAt: at('2026-12-06T21:00:00Z') };
    expect(scheduleProblems(ok, now, both)).toEqual([]);
    expect(scheduleProblems({ startAt: at('2026-12-06T19:58:00Z'), endAt: null }, now, both)).toEqual([
      { field: 'body.startAt', message: 'lies in the past' },
    ]);
    const far = new Date(now.getTime() + (MAX_START_AHEAD_DAYS + 1) * 86_400_000);
    expect(scheduleProblems({ startAt: far, endAt: null }, now, both)[0].field).toBe('body.startAt');
    expect(scheduleProblems({ startAt: ok.endAt, endAt: ok.startAt }, now, both)).toEqual([
      { field: 'body.endAt', message: 'must be after startAt' },
    ]);
    expect(scheduleProblems({ startAt: null, endAt: at('2026-12-06T19:00:00Z') }, now, both)).toEqual([
      { field: 'body.endAt', message: 'lies in the past' },
    ]);
  });

  it('judges only the fields changed against now, their order always', () => {
    const stale = { startAt: at('2026-12-01T08:00:00Z'), endAt: at('2026-12-08T08:00:00Z') };
    expect(scheduleProblems(stale, now, new Set(['endAt']))).toEqual([]);
    expect(scheduleProblems({ ...stale, endAt: at('2026-11-30T08:00:00Z') }, now, new Set())).toEqual([
      { field: 'body.endAt', message: 'must be after startAt' },
    ]);
    expect([...scheduleFieldsGiven({ startAt: null, endAt: undefined })]).toEqual(['startAt']);
  });
});
