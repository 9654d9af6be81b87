import { groupKey, groupView } from './stats-slice-view';

const figures = {
  attempts: 3,
  seizures: 2,
  answeredBy: { humans: 1, machines: 0, unknown: 0, notDetected: 0 },
  abandoned: { calls: 0, liveAnswered: 1, rate: 0 },
  talkTime: { calls: 1, totalMs: 1000, averageMs: 1000, medianMs: 1000, p90Ms: 1000 },
  dtmf: { calls: 0, presses: 0 },
};

describe('groupKey', () => {
  it('has the dimensions asked for only, in their order; null where there is no object', () => {
    const row = {
      department_id: null,
      department_name: null,
      campaign_id: 'c1',
      campaign_name: null,
      trunk_id: 't1',
      trunk_name: 'Trunk "1"',
      day: '2026-12-01',
    };
    const key = groupKey(row, ['day', 'department', 'campaign', 'trunk']);
    expect(key).toEqual({
      day: '2026-12-01',
      department: null,
      campaign: { id: 'c1', name: null }, // deleted since: the id stays
      trunk: { id: 't1', name: 'Trunk "1"' },
    });
    expect(Object.keys(key)).toEqual(['day', 'department', 'campaign', 'trunk']);
  });
});

describe('groupView', () => {
  it('arranges the outcomes as the totals do: every known one, zeros included; the ratio from them', () => {
    const outcomes = new Map([
      ['answered', { attempts: 1, seizures: 1 }],
      ['busy', { attempts: 1, seizures: 1 }],
      ['blocked', { attempts: 1, seizures: 0 }],
    ]);
    const view = groupView({ key: { outcome_key: 'x', user_id: 'u', user_name: 'ann' }, outcomes, ...figures }, [
      'user',
    ]);
    expect(view.key).toEqual({ user: { id: 'u', name: 'ann' } });
    expect(view).toMatchObject({ attempts: 3, seizures: 2, answered: 1, answerSeizureRatio: 0.5 });
    expect(view.outcomes).toMatchObject({ answered: 1, busy: 1, blocked: 1, no_answer: 0, failed: 0 });
    expect(Object.values(view.outcomes).reduce((a, b) => a + b, 0)).toBe(3);
  });
});
