import { effectivePolicy, frequencyCapProblems, type PolicyDefaults } from './owner-policy';

const defaults: PolicyDefaults = {
  frequencyCap: { maxCalls: 2, windowSeconds: 3600 },
  maxConcurrentCalls: 50,
  maxWebhooks: 20,
};
const none: PolicyDefaults = { frequencyCap: null, maxConcurrentCalls: null, maxWebhooks: 20 };

describe('effectivePolicy', () => {
  test('without a row everything is the default', () => {
    expect(effectivePolicy(undefined, defaults)).toEqual({
      frequencyCap: { maxCalls: 2, windowSeconds: 3600 },
      frequencyCapSource: 'default',
      maxConcurrentCalls: 50,
      maxConcurrentCallsSource: 'default',
      maxWebhooks: 20,
      maxWebhooksSource: 'default',
    });
    expect(effectivePolicy(undefined, none)).toMatchObject({ frequencyCap: null, maxConcurrentCalls: null });
  });

  test("the owner's cap replaces the default; 0 turns it off even when the default has one", () => {
    const row = { frequencyCapMaxCalls: 1, frequencyCapWindowSeconds: 60, maxConcurrentCalls: null, maxWebhooks: null };
    expect(effectivePolicy(row, defaults)).toMatchObject({
      frequencyCap: { maxCalls: 1, windowSeconds: 60 },
      frequencyCapSource: 'owner',
      maxConcurrentCalls: 50,
      maxConcurrentCallsSource: 'default',
    });
    const off = {
      frequencyCapMaxCalls: 0,
      frequencyCapWindowSeconds: null,
      maxConcurrentCalls: null,
      maxWebhooks: null,
    };
    expect(effectivePolicy(off, defaults)).toMatchObject({ frequencyCap: null, frequencyCapSource: 'owner' });
  });

  test("an administrator's limit replaces the default, the owner's cap stays as it is", () => {
    const row = { frequencyCapMaxCalls: null, frequencyCapWindowSeconds: null, maxConcurrentCalls: 2, maxWebhooks: 5 };
    expect(effectivePolicy(row, none)).toEqual({
      frequencyCap: null,
      frequencyCapSource: 'default',
      maxConcurrentCalls: 2,
      maxConcurrentCallsSource: 'administrator',
      maxWebhooks: 5,
      maxWebhooksSource: 'administrator',
    });
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
