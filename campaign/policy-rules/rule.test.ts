import { ALLOW, evaluateRules, RULE_ORDER, RULE_OF_SKIP, rulesOf, skip, stop, type PolicyRule } from './rule';
import { windowClosedUntil } from './calling-window';

type Ctx = { asked: string[] };
const rule = (
  name: PolicyRule<Ctx>['name'],
  order: number,
  verdict = ALLOW,
  stage: PolicyRule<Ctx>['stage'] = 'admit',
) =>
  ({
    name,
    order,
    stage,
    check: (ctx: Ctx) => {
      ctx.asked.push(name);
      return Promise.resolve(verdict);
    },
  }) satisfies PolicyRule<Ctx>;

describe('evaluateRules', () => {
  test('asks the rules of the stage in their order, whatever order they were registered in', async () => {
    const ctx: Ctx = { asked: [] };
    const rules = [rule('reservation', 20), rule('frequency-cap', 60, ALLOW, 'ledger'), rule('blocklist', 10)];
    const answer = await evaluateRules(rules, 'admit', ctx);
    expect(answer).toEqual({ verdict: ALLOW, asked: ['blocklist', 'reservation'] });
    expect(ctx.asked).toEqual(['blocklist', 'reservation']);
  });

  test('the first refusal decides: a rule after it is never asked', async () => {
    const ctx: Ctx = { asked: [] };
    const until = new Date('2026-12-08T00:00:00Z');
    const rules = [
      rule('reservation', 20, skip('reserved', until)),
      rule('blocklist', 10, stop('blocked: not dialled')),
    ];
    const answer = await evaluateRules(rules, 'admit', ctx);
    expect(answer.rule).toBe('blocklist');
    expect(answer.verdict).toEqual({
      kind: 'stop',
      journalCode: 'blocked',
      endReason: 'blocked: not dialled',
      attemptUsed: true,
    });
    expect(ctx.asked).toEqual(['blocklist']);

    const later = await evaluateRules(
      [rule('reservation', 20, skip('reserved', until)), rule('blocklist', 10)],
      'admit',
      { asked: [] },
    );
    expect(later).toEqual({
      verdict: { kind: 'skip', journalCode: 'reserved', retryAt: until, attemptUsed: false },
      rule: 'reservation',
      asked: ['blocklist', 'reservation'],
    });
  });

  test('the ledger stage: the compliance hold before the caps, the caps before the daily limit', async () => {
    const ctx: Ctx = { asked: [] };
    const until = new Date('2026-12-08T00:00:00Z');
    const ledger = (name: PolicyRule<Ctx>['name'], v = ALLOW) =>
      rule(name, RULE_ORDER.find((r) => r.name === name)?.order ?? 0, v, 'ledger');
    const rules = [
      ledger('daily-limit', skip('daily_limit', until)),
      ledger('frequency-cap', skip('capped', until)),
      ledger('compliance-profile'),
    ];
    const answer = await evaluateRules(rules, 'ledger', ctx);
    expect([answer.rule, ctx.asked]).toEqual(['frequency-cap', ['compliance-profile', 'frequency-cap']]);
  });

  test('equal orders are broken by name, so registration order never matters', () => {
    const a = rulesOf([rule('reservation', 5), rule('blocklist', 5)], 'admit').map((r) => r.name);
    const b = rulesOf([rule('blocklist', 5), rule('reservation', 5)], 'admit').map((r) => r.name);
    expect(a).toEqual(['blocklist', 'reservation']);
    expect(b).toEqual(a);
  });
});

describe('RULE_ORDER', () => {
  test('the documented order: blocklist, reservation, window, concurrency, compliance, cap, daily limit', () => {
    expect(RULE_ORDER.map((r) => r.name)).toEqual([
      'blocklist',
      'reservation',
      'calling-window',
      'concurrency',
      'compliance-profile',
      'frequency-cap',
      'daily-limit',
    ]);
    const orders = RULE_ORDER.map((r) => r.order);
    expect([...orders].sort((x, y) => x - y)).toEqual(orders);
    expect(new Set(orders).size).toBe(orders.length);
  });

  test('every skip code belongs to a rule of the list', () => {
    const names = new Set<string>(RULE_ORDER.map((r) => r.name));
    for (const rule of Object.values(RULE_OF_SKIP)) expect(names.has(rule)).toBe(true);
  });
});

describe('windowClosedUntil (the calling-window rule at the claim)', () => {
  const window = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', timezone: 'UTC' } as const;
  test('open: undefined; closed: the next opening; the callee’s clock: left to the claim', () => {
    expect(windowClosedUntil(window, new Date('2026-12-07T10:00:00Z'))).toBeUndefined();
    expect(windowClosedUntil(window, new Date('2026-12-07T18:00:00Z'))).toEqual(new Date('2026-12-08T09:00:00Z'));
    expect(windowClosedUntil({ ...window, timezoneFrom: 'number' }, new Date('2026-12-07T18:00:00Z'))).toBeUndefined();
    expect(windowClosedUntil(null, new Date())).toBeUndefined();
  });
});
