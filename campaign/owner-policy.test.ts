import {
  deniedPrefix,
  effectivePolicy,
  frequencyCapFloorProblems,
  frequencyCapProblems,
  withinFloor,
  type PolicyDefaults,
} from './owner-policy';

const defaults: PolicyDefaults = {
  frequencyCap: { maxCalls: 2, windowSeconds: 3600 },
  maxConcurrentCalls: 50,
  maxWebhooks: 20,
  maxUploadsInFlight: 4,
};
const none: PolicyDefaults = { frequencyCap: null, maxConcurrentCalls: null, maxWebhooks: 20, maxUploadsInFlight: 4 };

describe('effectivePolicy', () => {
  test('without a row everything is the default', () => {
    expect(effectivePolicy(undefined, defaults)).toEqual({
      frequencyCap: { maxCalls: 2, windowSeconds: 3600 },
      frequencyCapSource: 'default',
      maxConcurrentCalls: 50,
      maxConcurrentCallsSource: 'default',
      maxWebhooks: 20,
      maxWebhooksSource: 'default',
      maxUploadsInFlight: 4,
      maxUploadsInFlightSource: 'default',
      complianceProfile: 'none',
    });
    expect(effectivePolicy(undefined, none)).toMatchObject({ frequencyCap: null, maxConcurrentCalls: null });
  });

  test("the owner's cap replaces the default when it is at least as strict; 0 turns it off only without a default", () => {
    const row = {
      frequencyCapMaxCalls: 1,
      frequencyCapWindowSeconds: 86400,
      maxConcurrentCalls: null,
      maxWebhooks: null,
      maxUploadsInFlight: null,
    };
    expect(effectivePolicy(row, defaults)).toMatchObject({
      frequencyCap: { maxCalls: 1, windowSeconds: 86400 },
      frequencyCapSource: 'owner',
      maxConcurrentCalls: 50,
      maxConcurrentCallsSource: 'default',
    });
    const off = {
      frequencyCapMaxCalls: 0,
      frequencyCapWindowSeconds: null,
      maxConcurrentCalls: null,
      maxWebhooks: null,
      maxUploadsInFlight: null,
    };
    expect(effectivePolicy(off, none)).toMatchObject({ frequencyCap: null, frequencyCapSource: 'owner' });
  });

  test('a stored cap that is off or looser than the default does not apply: the default does (F23)', () => {
    const stored = (frequencyCapMaxCalls: number, frequencyCapWindowSeconds: number | null) => ({
      frequencyCapMaxCalls,
      frequencyCapWindowSeconds,
      maxConcurrentCalls: null,
      maxWebhooks: null,
      maxUploadsInFlight: null,
    });
    for (const row of [stored(0, null), stored(1, 60), stored(3, 3600), stored(5, 86400)]) {
      expect([row, effectivePolicy(row, defaults)]).toMatchObject([
        row,
        { frequencyCap: { maxCalls: 2, windowSeconds: 3600 }, frequencyCapSource: 'default' },
      ]);
    }
    expect(effectivePolicy(stored(2, 3600), defaults)).toMatchObject({ frequencyCapSource: 'owner' });
  });

  test("an administrator's limit replaces the default, the owner's cap stays as it is", () => {
    const row = {
      frequencyCapMaxCalls: null,
      frequencyCapWindowSeconds: null,
      maxConcurrentCalls: 2,
      maxWebhooks: 5,
      maxUploadsInFlight: 1,
    };
    expect(effectivePolicy(row, none)).toEqual({
      frequencyCap: null,
      frequencyCapSource: 'default',
      maxConcurrentCalls: 2,
      maxConcurrentCallsSource: 'administrator',
      maxWebhooks: 5,
      maxWebhooksSource: 'administrator',
      maxUploadsInFlight: 1,
      maxUploadsInFlightSource: 'administrator',
      complianceProfile: 'none',
    });
    // The owner's compliance profile is theirs; null is none.
    expect(effectivePolicy({ ...row, complianceProfile: 'uk' }, none).complianceProfile).toBe('uk');
    expect(effectivePolicy({ ...row, complianceProfile: null }, none).complianceProfile).toBe('none');
  });
});

describe('frequencyCapProblems', () => {
  test('whole numbers within bounds pass; each bad value is named', () => {
    expect(frequencyCapProblems({ maxCalls: 1, windowSeconds: 1 })).toEqual([]);
    expect(frequencyCapProblems({ maxCalls: 1000, windowSeconds: 30 * 24 * 3600 })).toEqual([]);
    const fields = (maxCalls: number, windowSeconds: number) =>
      frequencyCapProblems({ maxCalls, windowSeconds }).map(([field]) => field);
    expect(fields(0, 60)).toEqual(['maxCalls']);
    expect(fields(1.5, 60)).toEqual(['maxCalls']);
    expect(fields(1001, 60)).toEqual(['maxCalls']);
    expect(fields(1, 0)).toEqual(['windowSeconds']);
    expect(fields(1, 2.5)).toEqual(['windowSeconds']);
    expect(fields(1, 30 * 24 * 3600 + 1)).toEqual(['windowSeconds']);
    expect(fields(-1, -1)).toEqual(['maxCalls', 'windowSeconds']);
  });
});

describe('the default cap as a floor (F23)', () => {
  const floor = { maxCalls: 3, windowSeconds: 86400 };

  test('withinFloor: no more calls in a window no shorter', () => {
    expect(withinFloor({ maxCalls: 3, windowSeconds: 86400 }, floor)).toBe(true);
    expect(withinFloor({ maxCalls: 1, windowSeconds: 7 * 86400 }, floor)).toBe(true);
    expect(withinFloor({ maxCalls: 1, windowSeconds: 3600 }, floor)).toBe(false); // 24 a day
    expect(withinFloor({ maxCalls: 5, windowSeconds: 7 * 86400 }, floor)).toBe(false); // 5 in one day
  });

  test('frequencyCapFloorProblems names the field that loosens the floor, or the cap when it is removed', () => {
    expect(frequencyCapFloorProblems(null, null)).toEqual([]);
    expect(frequencyCapFloorProblems({ maxCalls: 1000, windowSeconds: 1 }, null)).toEqual([]);
    expect(frequencyCapFloorProblems({ maxCalls: 2, windowSeconds: 86400 }, floor)).toEqual([]);
    expect(frequencyCapFloorProblems(null, floor)).toEqual([['', expect.stringContaining('cannot be turned off')]]);
    expect(frequencyCapFloorProblems({ maxCalls: 4, windowSeconds: 86400 }, floor)).toEqual([
      ['maxCalls', expect.stringContaining('at most 3')],
    ]);
    expect(frequencyCapFloorProblems({ maxCalls: 4, windowSeconds: 60 }, floor).map(([f]) => f)).toEqual([
      'maxCalls',
      'windowSeconds',
    ]);
  });
});

describe('deniedPrefix (F32)', () => {
  test('the longest listed prefix the number starts with, or undefined', () => {
    const prefixes = ['+1900', '+44909', '+4490', '+882'];
    expect(deniedPrefix(prefixes, '+19005550123')).toBe('+1900');
    expect(deniedPrefix(prefixes, '+449098790123')).toBe('+44909');
    expect(deniedPrefix(prefixes, '+449012345678')).toBe('+4490');
    expect(deniedPrefix(prefixes, '+88213000123')).toBe('+882');
    expect(deniedPrefix(prefixes, '+12125550123')).toBeUndefined();
    expect(deniedPrefix(prefixes, '+4930123456')).toBeUndefined();
    expect(deniedPrefix([], '+19005550123')).toBeUndefined();
    expect(deniedPrefix(undefined, '+19005550123')).toBeUndefined();
  });
});
