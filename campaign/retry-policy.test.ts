import type { CallOutcome } from './outcomes.js';
import { DEFAULT_RETRY_ON, decideAfterAttempt, retryPolicyProblems, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { maxAttempts: 3, retryDelaySeconds: 600, retryOn: DEFAULT_RETRY_ON };
const ended = new Date('2026-12-01T10:00:00Z');

describe('retry policy', () => {
  test('retryable outcomes come back after the delay until the attempts run out', () => {
    expect(decideAfterAttempt(policy, 1, 'busy', ended)).toEqual({
      kind: 'retry',
      at: new Date('2026-12-01T10:10:00Z'),
    });
    expect(decideAfterAttempt(policy, 2, 'no_answer', ended).kind).toBe('retry');
    expect(decideAfterAttempt(policy, 3, 'no_answer', ended)).toEqual({ kind: 'done', outcome: 'no_answer' });
  });

  test('answered, rejected, invalid numbers and cancelled attempts are final even if listed', () => {
    const greedy = { ...policy, retryOn: ['answered', 'rejected', 'invalid_number', 'cancelled', 'busy'] } as const;
    for (const outcome of ['answered', 'rejected', 'invalid_number', 'cancelled'] as const) {
      expect(decideAfterAttempt(greedy, 1, outcome, ended)).toEqual({ kind: 'done', outcome });
    }
  });

  test('a blocked attempt is final on the first attempt, with attempts and retries to spare', () => {
    expect(decideAfterAttempt({ ...policy, maxAttempts: 20 }, 1, 'blocked', ended)).toEqual({
      kind: 'done',
      outcome: 'blocked',
    });
  });

  test('outcomes the campaign does not list are final', () => {
    expect(decideAfterAttempt({ ...policy, retryOn: ['busy'] }, 1, 'failed', ended)).toEqual({
      kind: 'done',
      outcome: 'failed',
    });
    expect(decideAfterAttempt({ ...policy, maxAttempts: 1 }, 1, 'busy', ended).kind).toBe('done');
  });

  test('validation names the field', () => {
    expect(retryPolicyProblems(policy)).toEqual([]);
    expect(
      retryPolicyProblems({ maxAttempts: 0, retryDelaySeconds: -1, retryOn: ['rejected', 'busy', 'busy'] }),
    ).toEqual([
      ['maxAttempts', 'must be an integer from 1 to 20'],
      ['retryDelaySeconds', 'must be a whole number of seconds, 0 or more'],
      ['retryOn', 'rejected can never be retried'],
      ['retryOn', 'lists an outcome twice'],
    ]);
  });
});

describe('the default retry policy', () => {
  it.each<[CallOutcome, boolean]>([
    ['busy', true],
    ['no_answer', true],
    ['unavailable', true],
    ['failed', true],
    ['answered', false],
    ['rejected', false],
    ['invalid_number', false],
    ['cancelled', false],
  ])('%s → %p', (outcome, retry) => {
    expect(DEFAULT_RETRY_ON.includes(outcome)).toBe(retry);
  });
});
