import { CAMPAIGN_DEFAULTS, mergeSettings, settingsProblems } from './campaign-settings';

const window = { days: ['mon', 'fri'], from: '09:00', to: '20:00', timezone: 'Europe/Berlin' } as const;

describe('campaign settings', () => {
  it('defaults are valid and as documented', () => {
    expect(settingsProblems({ ...CAMPAIGN_DEFAULTS })).toEqual([]);
    expect(CAMPAIGN_DEFAULTS).toMatchObject({
      maxConcurrentCalls: 10,
      callsPerSecond: 1,
      maxAttempts: 3,
      retryDelaySeconds: 600,
      retryOn: ['busy', 'no_answer', 'unavailable', 'failed'],
      ringTimeoutSeconds: 30,
      maxCallSeconds: 300,
      callingWindow: null,
      record: true,
      recordingsPrivate: false,
      callerId: null,
      optOutDigit: null,
    });
  });

  it('merges what is given, keeps the rest, clears with null', () => {
    const base = mergeSettings(CAMPAIGN_DEFAULTS, {
      callingWindow: { ...window, days: [...window.days] },
      maxAttempts: 5,
    });
    const merged = mergeSettings(base, { callingWindow: null, callsPerSecond: 2.5 });
    expect(merged).toEqual({ ...CAMPAIGN_DEFAULTS, maxAttempts: 5, callsPerSecond: 2.5 });
    expect(base.callingWindow).toEqual(window);
    const withKey = mergeSettings(base, { optOutDigit: '#' });
    expect(withKey.optOutDigit).toBe('#');
    expect(mergeSettings(withKey, { optOutDigit: null }).optOutDigit).toBeNull();
  });

  it.each([
    [0, ['body.callsPerSecond']],
    [-1, ['body.callsPerSecond']],
    [1000.5, ['body.callsPerSecond']],
    [0.1, []],
    [1000, []],
  ])('callsPerSecond %p', (rate, fields) => {
    const problems = settingsProblems(mergeSettings(CAMPAIGN_DEFAULTS, { callsPerSecond: rate }));
    expect(problems.map((p) => p.field)).toEqual(fields);
  });

  it('refuses outcomes that are never retried, naming retryOn', () => {
    const problems = settingsProblems(mergeSettings(CAMPAIGN_DEFAULTS, { retryOn: ['busy', 'rejected', 'answered'] }));
    expect(problems).toEqual([{ field: 'body.retryOn', message: expect.stringContaining('rejected') as unknown }]);
  });

  it('names each field of a bad calling window', () => {
    const problems = settingsProblems(
      mergeSettings(CAMPAIGN_DEFAULTS, {
        callingWindow: { days: [], from: '25:00', to: '9', timezone: 'Mars/Olympus' },
      }),
    );
    expect(problems.map((p) => p.field).sort()).toEqual([
      'body.callingWindow.days',
      'body.callingWindow.from',
      'body.callingWindow.timezone',
      'body.callingWindow.to',
    ]);
  });

  it('accepts timezoneFrom campaign or number and names it when it is neither', () => {
    for (const timezoneFrom of ['campaign', 'number'] as const) {
      const settings = mergeSettings(CAMPAIGN_DEFAULTS, { callingWindow: { ...window, days: ['mon'], timezoneFrom } });
      expect(settingsProblems(settings)).toEqual([]);
    }
    const bad = mergeSettings(CAMPAIGN_DEFAULTS, {
      callingWindow: { ...window, days: ['mon'], timezoneFrom: 'callee' as 'number' },
    });
    expect(settingsProblems(bad)).toEqual([
      { field: 'body.callingWindow.timezoneFrom', message: 'must be one of campaign, number' },
    ]);
  });
});
