import { parseRetryAfter, retryDelayMs } from './webhook-post.js';

const NOW = Date.parse('2026-12-02T10:00:00Z');

describe('parseRetryAfter', () => {
  test('delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  test('an HTTP date, in any of the three formats RFC 9110 lists; one in the past is 0', () => {
    expect(parseRetryAfter('Wed, 02 Dec 2026 10:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Wednesday, 02-Dec-26 10:00:05 GMT', NOW)).toBe(5_000);
    expect(parseRetryAfter('Wed Dec  2 10:00:10 2026', NOW)).toBeGreaterThanOrEqual(0); // asctime carries no zone
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:00:00 GMT', NOW)).toBe(0);
  });

  test('absent or unreadable: undefined, so the back-off applies', () => {
    for (const value of [null, '', '  ', '-5', '1.5', '2 minutes', 'soon', '12abc']) {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    }
  });
});

describe('retryDelayMs', () => {
  const backoff = { initialMs: 10_000, maxIntervalMs: 3_600_000 };

  test('without Retry-After: the initial wait doubled per try, up to the longest interval', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, backoff, undefined))).toEqual([
      10_000, 20_000, 40_000, 80_000,
    ]);
    expect(retryDelayMs(30, backoff, undefined)).toBe(3_600_000);
  });

  test('a Retry-After longer than the back-off wins; a shorter one does not shorten it', () => {
    expect(retryDelayMs(1, backoff, 120_000)).toBe(120_000);
    expect(retryDelayMs(3, backoff, 1_000)).toBe(40_000);
  });

  test('never longer than the longest interval the operator allows', () => {
    expect(retryDelayMs(1, backoff, 86_400_000)).toBe(3_600_000);
  });
});
