import {
  DIMENSIONS,
  hourlyIntervalProblems,
  MAX_GROUPS,
  MAX_HOURLY_DAYS,
  parseGroupBy,
  tooManyGroups,
} from './stats-groups';

describe('parseGroupBy', () => {
  it('is nothing when not given', () => {
    expect(parseGroupBy(undefined)).toEqual({ dimensions: [], errors: [] });
  });

  it.each([
    ['department', ['department']],
    ['department,day', ['department', 'day']],
    ['day,department', ['day', 'department']],
    ['user, campaign ,trunk', ['user', 'campaign', 'trunk']],
    ['outcome,hour', ['outcome', 'hour']],
  ])('reads %j in its order', (value, dimensions) => {
    expect(parseGroupBy(value)).toEqual({ dimensions, errors: [] });
  });

  it.each(DIMENSIONS)('knows %s', (dimension) => {
    expect(parseGroupBy(dimension).dimensions).toEqual([dimension]);
  });

  it.each([
    ['', 'comma-separated'],
    [',', 'comma-separated'],
    ['department,', 'comma-separated'],
    ['Department', 'comma-separated'], // names are lower-case
    ['week', 'comma-separated'],
    ['owner_id', 'comma-separated'],
    ['department;DROP TABLE call_record', 'comma-separated'],
    ["user') OR 1=1 --", 'comma-separated'],
    ['hour\u0000', 'comma-separated'],
    ['<script>alert(1)</script>', 'comma-separated'],
    ['user,user', 'twice'],
    ['department,user,campaign,trunk', 'at most 3'],
    ['hour,day', 'both hour and day'],
    ['x'.repeat(65), 'at most 64 characters'],
    ['department,'.repeat(100), 'at most 64 characters'],
  ])('refuses %j, naming groupBy and not repeating it', (value, message) => {
    const { dimensions, errors } = parseGroupBy(value);
    expect(dimensions).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toBe('groupBy');
    expect(errors[0].message).toContain(message);
    if (/[^a-z,]/.test(value)) expect(errors[0].message).not.toContain(value);
  });
});

describe('hourlyIntervalProblems', () => {
  const from = new Date('2026-11-01T00:00:00Z');
  const after = (days: number) => ({ from, to: new Date(from.getTime() + days * 86_400_000) });

  it(`allows hours over ${MAX_HOURLY_DAYS} days, not a millisecond more`, () => {
    expect(hourlyIntervalProblems(['hour'], after(MAX_HOURLY_DAYS))).toEqual([]);
    const longer = { from, to: new Date(after(MAX_HOURLY_DAYS).to.getTime() + 1) };
    expect(hourlyIntervalProblems(['department', 'hour'], longer).map((e) => e.field)).toEqual(['groupBy']);
  });

  it('does not bound days or other dimensions', () => {
    expect(hourlyIntervalProblems(['day', 'user'], after(366))).toEqual([]);
    expect(hourlyIntervalProblems([], after(366))).toEqual([]);
  });
});

test('too many groups names groupBy and both counts', () => {
  const [problem] = tooManyGroups(MAX_GROUPS + 5);
  expect(problem.field).toBe('groupBy');
  expect(problem.message).toContain(String(MAX_GROUPS + 5));
  expect(problem.message).toContain(String(MAX_GROUPS));
});
