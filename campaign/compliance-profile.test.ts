import {
  abandonedHoldUntil,
  abandonedRate,
  complianceProblems,
  profilesInForce,
  type ComplianceSettings,
} from './compliance-profile';

const window = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const,
  from: '09:00',
  to: '20:00',
  timezone: 'America/New_York',
  timezoneFrom: 'number' as const,
};
const compliant: ComplianceSettings = {
  callingWindow: { ...window, days: [...window.days] },
  ringTimeoutSeconds: 30,
  optOutDigit: '9',
};
const rules = (settings: Partial<ComplianceSettings>) =>
  complianceProblems(['us'], { ...compliant, ...settings }).map((p) => [p.rule, p.field]);

describe('profilesInForce', () => {
  test('the campaign’s and the owner’s profiles add up, each once, none left out', () => {
    expect(profilesInForce('none', undefined)).toEqual([]);
    expect(profilesInForce('us', 'none')).toEqual(['us']);
    expect(profilesInForce('none', 'uk')).toEqual(['uk']);
    expect(profilesInForce('us', 'us')).toEqual(['us']);
    expect(profilesInForce('us', 'uk')).toEqual(['us', 'uk']);
    expect(profilesInForce(null)).toEqual([]);
  });
});

describe('complianceProblems', () => {
  test('none and uk ask nothing of the settings', () => {
    const loose = { callingWindow: null, ringTimeoutSeconds: 5, optOutDigit: null };
    expect(complianceProblems([], loose)).toEqual([]);
    expect(complianceProblems(['uk'], loose)).toEqual([]);
  });

  test('us: a compliant campaign passes, the widest window included', () => {
    expect(rules({})).toEqual([]);
    expect(rules({ callingWindow: { ...window, days: ['sat'], from: '08:00', to: '21:00' } })).toEqual([]);
    expect(rules({ ringTimeoutSeconds: 15 })).toEqual([]);
  });

  test('us: each broken rule is named with its field', () => {
    expect(rules({ callingWindow: null })).toEqual([['us.calling-hours', 'callingWindow']]);
    expect(rules({ callingWindow: { ...window, days: ['mon'], timezoneFrom: 'campaign' } })).toEqual([
      ['us.calling-hours', 'callingWindow.timezoneFrom'],
    ]);
    expect(rules({ callingWindow: { ...window, days: ['mon'], timezoneFrom: undefined } })).toEqual([
      ['us.calling-hours', 'callingWindow.timezoneFrom'],
    ]);
    expect(rules({ callingWindow: { ...window, days: ['mon'], from: '07:59' } })).toEqual([
      ['us.calling-hours', 'callingWindow.from'],
    ]);
    expect(rules({ callingWindow: { ...window, days: ['mon'], to: '21:00:01' } })).toEqual([
      ['us.calling-hours', 'callingWindow.to'],
    ]);
    expect(rules({ callingWindow: { ...window, days: ['mon'], to: '24:00' } })).toEqual([
      ['us.calling-hours', 'callingWindow.to'],
    ]);
    // Overnight: 20:00 until 09:00 the next day.
    expect(rules({ callingWindow: { ...window, days: ['mon'], from: '20:00', to: '09:00' } })).toEqual([
      ['us.calling-hours', 'callingWindow.to'],
    ]);
    expect(rules({ ringTimeoutSeconds: 14 })).toEqual([['us.ring-time', 'ringTimeoutSeconds']]);
    expect(rules({ optOutDigit: null })).toEqual([['us.opt-out-digit', 'optOutDigit']]);
    expect(rules({ callingWindow: null, ringTimeoutSeconds: 5, optOutDigit: null }).map(([rule]) => rule)).toEqual([
      'us.calling-hours',
      'us.ring-time',
      'us.opt-out-digit',
    ]);
  });

  test('the message names the rule', () => {
    const [problem] = complianceProblems(['us'], { ...compliant, ringTimeoutSeconds: 10 });
    expect(problem?.message).toBe('must be at least 15 (us.ring-time)');
  });
});

describe('abandonedHoldUntil', () => {
  const abandoned = new Date('2026-12-07T10:00:00Z');
  const hours = (h: number) => new Date(abandoned.getTime() + h * 3_600_000);

  test('uk: held until 72 h after the abandoned call, free from then on', () => {
    expect(abandonedHoldUntil(['uk'], abandoned, hours(1))).toEqual(hours(72));
    expect(abandonedHoldUntil(['uk'], abandoned, new Date(hours(72).getTime() - 1))).toEqual(hours(72));
    expect(abandonedHoldUntil(['uk'], abandoned, hours(72))).toBeUndefined();
    expect(abandonedHoldUntil(['uk'], undefined, hours(1))).toBeUndefined();
  });

  test('without uk, an abandoned call holds nothing back', () => {
    expect(abandonedHoldUntil([], abandoned, hours(1))).toBeUndefined();
    expect(abandonedHoldUntil(['us'], abandoned, hours(1))).toBeUndefined();
  });
});

test('abandonedRate: over the calls a person answered; none answered, 0', () => {
  expect(abandonedRate(1, 40)).toBe(0.025);
  expect(abandonedRate(0, 3)).toBe(0);
  expect(abandonedRate(0, 0)).toBe(0);
});
