import { decideAfterAttempt, retryPolicyProblems, type RetryPolicy } from './retry-policy.js';

const ended = new Date('2026-12-01T10:00:00Z');
const after = (seconds: number) => ({ kind: 'retry', at: new Date(ended.getTime() + seconds * 1000) });
const policy: RetryPolicy = {
  maxAttempts: 6,
  retryDelaySeconds: 600,
  retryOn: ['busy', 'unavailable'],
  byOutcome: { busy: { delaySeconds: 300, maxAttempts: 3 }, no_answer: { delays: [1800, 3600, 7200] }, failed: {} },
};

describe('retry delays per outcome', () => {
  test('a fixed delay per outcome, capped by its own maxAttempts', () => {
    expect(decideAfterAttempt(policy, 1, 'busy', ended)).toEqual(after(300));
    expect(decideAfterAttempt(policy, 2, 'busy', ended)).toEqual(after(300));
    expect(decideAfterAttempt(policy, 3, 'busy', ended)).toEqual({ kind: 'done', outcome: 'busy' });
  });

  test('an escalating list: the wait after attempt n is delays[n-1], the last one repeats', () => {
    expect(decideAfterAttempt(policy, 1, 'no_answer', ended)).toEqual(after(1800));
    expect(decideAfterAttempt(policy, 2, 'no_answer', ended)).toEqual(after(3600));
    expect(decideAfterAttempt(policy, 3, 'no_answer', ended)).toEqual(after(7200));
    expect(decideAfterAttempt(policy, 5, 'no_answer', ended)).toEqual(after(7200));
    expect(decideAfterAttempt(policy, 6, 'no_answer', ended)).toEqual({ kind: 'done', outcome: 'no_answer' });
  });

  test('a named outcome is retried even when retryOn leaves it out; an empty rule takes the default delay', () => {
    expect(decideAfterAttempt(policy, 1, 'failed', ended)).toEqual(after(600));
  });

  test('outcomes the rules do not name follow retryOn and retryDelaySeconds', () => {
    expect(decideAfterAttempt(policy, 1, 'unavailable', ended)).toEqual(after(600));
    expect(decideAfterAttempt({ ...policy, retryOn: [] }, 1, 'unavailable', ended).kind).toBe('done');
  });

  test("the campaign's maxAttempts bounds a rule's larger one", () => {
    const lax: RetryPolicy = { ...policy, maxAttempts: 2, byOutcome: { busy: { delaySeconds: 5, maxAttempts: 10 } } };
    expect(decideAfterAttempt(lax, 1, 'busy', ended)).toEqual(after(5));
    expect(decideAfterAttempt(lax, 2, 'busy', ended).kind).toBe('done');
  });

  test('never-retried outcomes stay done whatever the rules hold', () => {
    const hostile = { ...policy, byOutcome: { rejected: { delaySeconds: 1 } } as RetryPolicy['byOutcome'] };
    expect(decideAfterAttempt(hostile, 1, 'rejected', ended)).toEqual({ kind: 'done', outcome: 'rejected' });
  });

  test('problems name the exact field', () => {
    expect(retryPolicyProblems(policy)).toEqual([]);
    const bad = {
      ...policy,
      byOutcome: {
        busy: { delaySeconds: -1, maxAttempts: 0 },
        no_answer: { delays: [60, 1.5, 604_801] },
        unavailable: { delaySeconds: 60, delays: [60] },
        failed: { delays: [] },
        answered: { delaySeconds: 1 },
      } as RetryPolicy['byOutcome'],
    };
    expect(retryPolicyProblems(bad).map(([field]) => field)).toEqual([
      'retry.busy.delaySeconds',
      'retry.busy.maxAttempts',
      'retry.no_answer.delays[1]',
      'retry.no_answer.delays[2]',
      'retry.unavailable',
      'retry.failed.delays',
      'retry.answered',
    ]);
  });
});
