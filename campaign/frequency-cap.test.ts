import { capDecision } from './frequency-cap';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

describe('capDecision', () => {
  const oncePer10s = { maxCalls: 1, windowSeconds: 10 };

  test('a number never dialled, or dialled before the window, may be dialled', () => {
    expect(capDecision(oncePer10s, [], at(0))).toEqual({ kind: 'allowed' });
    expect(capDecision(oncePer10s, [at(0)], at(10))).toEqual({ kind: 'allowed' });
    expect(capDecision(oncePer10s, [at(0)], at(11))).toEqual({ kind: 'allowed' });
  });

  test('a dial inside the window caps the number until that dial leaves the window', () => {
    expect(capDecision(oncePer10s, [at(0)], at(0))).toEqual({ kind: 'capped', until: at(10) });
    expect(capDecision(oncePer10s, [at(3)], at(9))).toEqual({ kind: 'capped', until: at(13) });
  });

  test('N per window: below N allowed; at N the oldest dial that must leave decides when', () => {
    const threePer60s = { maxCalls: 3, windowSeconds: 60 };
    expect(capDecision(threePer60s, [at(1), at(20)], at(30))).toEqual({ kind: 'allowed' });
    // Unsorted input, one dial already outside the window.
    const dials = [at(40), at(5), at(20), at(0)].map((d) => new Date(d.getTime() - 0));
    expect(capDecision(threePer60s, dials, at(61))).toEqual({ kind: 'capped', until: at(65) });
    // Over N (a cap lowered after the dials): wait until only N - 1 remain in the window.
    expect(capDecision({ maxCalls: 2, windowSeconds: 60 }, [at(0), at(10), at(20), at(30)], at(31))).toEqual({
      kind: 'capped',
      until: at(80),
    });
  });

  test('when capped, the slot it names is free: deciding again at that instant allows the dial', () => {
    const cap = { maxCalls: 2, windowSeconds: 7 };
    const dials = [at(1), at(2), at(6)];
    const decision = capDecision(cap, dials, at(6));
    expect(decision).toEqual({ kind: 'capped', until: at(9) });
    if (decision.kind !== 'capped') return;
    expect(capDecision(cap, dials, decision.until)).toEqual({ kind: 'allowed' });
    expect(capDecision(cap, dials, new Date(decision.until.getTime() - 1)).kind).toBe('capped');
  });
});
