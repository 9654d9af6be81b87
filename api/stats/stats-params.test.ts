import {
  DEFAULT_INTERVAL_MS,
  MAX_INTERVAL_DAYS,
  ownerIdProblems,
  parseInstant,
  resolveInterval,
  timezoneProblems,
} from './stats-params';

const now = new Date('2026-12-01T17:00:00.000Z');
const fields = (r: { errors: { field: string }[] }) => r.errors.map((e) => e.field);

describe('parseInstant', () => {
  it.each([
    ['2026-12-01T09:00:00+01:00', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T08:00:00Z', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01t08:00z', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T08:00:00.5Z', '2026-12-01T08:00:00.500Z'],
    ['2026-12-01T08:00:00.123-02:30', '2026-12-01T10:30:00.123Z'],
    ['2026-12-01T05:30:00 05:30', '2026-12-01T00:00:00.000Z'], // a `+` decoded to a space
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2026-12-01T00:00:00+14:00', '2026-11-30T10:00:00.000Z'],
  ])('%s is %s', (input, iso) => {
    expect(parseInstant(input)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-12-01', // no time
    '2026-12-01T08:00:00', // no offset: ambiguous
    '2026-12-01 08:00:00Z', // no T
    '2026-02-29T00:00:00Z', // not a leap year
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T23:60:00Z',
    '2026-12-01T23:59:60Z',
    '2026-12-01T08:00:00+0100', // basic offset
    '2026-12-01T08:00:00+01:60',
    '2026-12-01T08:00:00.1234Z', // finer than a millisecond
    '1733040000',
    '',
  ])('refuses %j', (input) => {
    expect(parseInstant(input)).toBeUndefined();
  });
});

describe('resolveInterval', () => {
  it('defaults to the 24 hours before now', () => {
    expect(resolveInterval({}, now)).toEqual({
      interval: { from: new Date(now.getTime() - DEFAULT_INTERVAL_MS), to: now },
      errors: [],
    });
  });

  it('takes from alone up to now, and to alone with the day before it', () => {
    expect(resolveInterval({ from: '2026-12-01T00:00:00Z' }, now).interval).toEqual({
      from: new Date('2026-12-01T00:00:00Z'),
      to: now,
    });
    expect(resolveInterval({ to: '2026-11-01T00:00:00+01:00' }, now).interval).toEqual({
      from: new Date('2026-10-30T23:00:00Z'),
      to: new Date('2026-10-31T23:00:00Z'),
    });
  });

  it('names each malformed parameter', () => {
    expect(fields(resolveInterval({ from: 'yesterday', to: 'today' }, now))).toEqual(['from', 'to']);
    expect(fields(resolveInterval({ from: '2026-12-01T00:00:00Z', to: 'x' }, now))).toEqual(['to']);
  });

  it('wants from before to, blaming the parameter given', () => {
    const same = { from: '2026-12-01T00:00:00Z', to: '2026-12-01T01:00:00+01:00' };
    expect(fields(resolveInterval(same, now))).toEqual(['to']);
    expect(fields(resolveInterval({ from: '2026-12-02T00:00:00Z' }, now))).toEqual(['from']);
  });

  it(`allows at most ${MAX_INTERVAL_DAYS} days`, () => {
    const from = '2025-12-01T00:00:00Z';
    const longest = new Date(Date.parse(from) + MAX_INTERVAL_DAYS * 86_400_000).toISOString();
    const longer = new Date(Date.parse(longest) + 1).toISOString();
    expect(resolveInterval({ from, to: longest }, now).errors).toEqual([]);
    expect(fields(resolveInterval({ from, to: longer }, now))).toEqual(['to']);
    expect(fields(resolveInterval({ from: '2024-01-01T00:00:00Z' }, now))).toEqual(['from']);
  });
});

describe('timezone and ownerId', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata', 'Etc/GMT+5'])(
    'accepts %s',
    (zone) => expect(timezoneProblems(zone)).toEqual([]),
  );

  it.each(['', 'Mars/Olympus', '+05:30', 'UTC+3', 'Europe/Berlin; drop table', '../etc/passwd'])(
    'refuses %j',
    (zone) => {
      expect(timezoneProblems(zone).map((e) => e.field)).toEqual(['timezone']);
    },
  );

  it('wants a uuid for ownerId, or none', () => {
    expect(ownerIdProblems(undefined)).toEqual([]);
    expect(ownerIdProblems('0b9e6a5e-7d8c-4a43-9d41-8a3c1e2f4b5a')).toEqual([]);
    expect(ownerIdProblems('me').map((e) => e.field)).toEqual(['ownerId']);
  });
});
