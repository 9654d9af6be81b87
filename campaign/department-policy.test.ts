import { effectiveLimits, nextUtcDay, type DepartmentLimits } from './department-policy';
import { effectivePolicy } from './owner-policy';

const defaults = { frequencyCap: null, maxConcurrentCalls: null, maxWebhooks: 10, maxUploadsInFlight: 2 };
const dept = (over: Partial<DepartmentLimits> = {}): DepartmentLimits => ({
  departmentId: 'd1',
  name: 'Sales',
  maxConcurrentCalls: null,
  maxCallsPerDay: null,
  frequencyCap: null,
  ...over,
});
const stored = (over: Record<string, unknown>) => ({
  frequencyCapMaxCalls: null,
  frequencyCapWindowSeconds: null,
  maxConcurrentCalls: null,
  maxWebhooks: null,
  maxUploadsInFlight: null,
  ...over,
});

describe('effectiveLimits', () => {
  test('no department: the owner’s (or the installation’s) limits, nothing per day', () => {
    const owner = effectivePolicy(stored({ maxConcurrentCalls: 5 }), defaults);
    const limits = effectiveLimits(owner, null);
    expect(limits.maxConcurrentCalls).toMatchObject({ value: 5, source: 'administrator' });
    expect(limits.maxCallsPerDay).toMatchObject({ value: null, source: 'none' });
    expect(limits.frequencyCap).toMatchObject({ value: null, source: 'none' });
  });

  test('concurrent calls: the lower binds, and says why', () => {
    const owner = effectivePolicy(stored({ maxConcurrentCalls: 5 }), defaults);
    expect(effectiveLimits(owner, dept({ maxConcurrentCalls: 3 })).maxConcurrentCalls).toMatchObject({
      value: 3,
      source: 'department',
    });
    expect(effectiveLimits(owner, dept({ maxConcurrentCalls: 8 })).maxConcurrentCalls).toMatchObject({
      value: 5,
      source: 'administrator',
    });
    const free = effectivePolicy(undefined, defaults);
    const bound = effectiveLimits(free, dept({ maxConcurrentCalls: 8 })).maxConcurrentCalls;
    expect(bound).toMatchObject({ value: 8, source: 'department' });
    expect(bound.reason).toContain('Sales');
  });

  test('frequency cap: the stricter binds; the installation’s floor counts as the owner’s', () => {
    const owner = effectivePolicy(stored({ frequencyCapMaxCalls: 3, frequencyCapWindowSeconds: 86400 }), defaults);
    const daily1 = { maxCalls: 1, windowSeconds: 86400 };
    expect(effectiveLimits(owner, dept({ frequencyCap: daily1 })).frequencyCap).toMatchObject({
      value: daily1,
      source: 'department',
    });
    const weekly10 = { maxCalls: 10, windowSeconds: 7 * 86400 };
    // Neither within the other: the lower rate (3 a day = 21 a week > 10 a week).
    expect(effectiveLimits(owner, dept({ frequencyCap: weekly10 })).frequencyCap.source).toBe('department');
    const loose = { maxCalls: 100, windowSeconds: 86400 };
    expect(effectiveLimits(owner, dept({ frequencyCap: loose })).frequencyCap).toMatchObject({
      value: { maxCalls: 3, windowSeconds: 86400 },
      source: 'owner',
    });
    const floor = effectivePolicy(undefined, { ...defaults, frequencyCap: { maxCalls: 2, windowSeconds: 3600 } });
    expect(effectiveLimits(floor, dept()).frequencyCap.source).toBe('default');
  });

  test('calls per day come from the department only', () => {
    const owner = effectivePolicy(undefined, defaults);
    expect(effectiveLimits(owner, dept({ maxCallsPerDay: 500 })).maxCallsPerDay).toMatchObject({
      value: 500,
      source: 'department',
    });
  });
});

test('nextUtcDay: the next midnight UTC, whatever the hour', () => {
  expect(nextUtcDay(new Date('2026-12-07T23:59:59.999Z'))).toEqual(new Date('2026-12-08T00:00:00Z'));
  expect(nextUtcDay(new Date('2026-12-31T00:00:00Z'))).toEqual(new Date('2027-01-01T00:00:00Z'));
});
