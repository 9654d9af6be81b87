import type { CallOutcome } from '../../campaign/outcomes.js';
import { outcomeForCancelled, outcomeForFinalResponse } from './outcome.js';

describe('outcomeForFinalResponse', () => {
  it.each<[number, CallOutcome]>([
    [200, 'answered'],
    [202, 'answered'],
    [299, 'answered'],
    [486, 'busy'],
    [600, 'busy'],
    [408, 'no_answer'],
    [480, 'no_answer'],
    [487, 'no_answer'],
    [403, 'rejected'],
    [603, 'rejected'],
    [607, 'rejected'],
    [608, 'rejected'],
    [404, 'invalid_number'],
    [410, 'invalid_number'],
    [414, 'invalid_number'],
    [416, 'invalid_number'],
    [484, 'invalid_number'],
    [485, 'invalid_number'],
    [604, 'invalid_number'],
    [500, 'unavailable'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [504, 'unavailable'],
    [513, 'unavailable'],
    [580, 'unavailable'],
    [599, 'unavailable'],
    [401, 'failed'],
    [407, 'failed'],
    [400, 'failed'],
    [402, 'failed'],
    [405, 'failed'],
    [415, 'failed'],
    [420, 'failed'],
    [488, 'failed'],
    [499, 'failed'],
    [606, 'failed'],
    [699, 'failed'],
    [300, 'failed'],
    [302, 'failed'],
    [380, 'failed'],
  ])('%i → %s', (code, outcome) => {
    expect(outcomeForFinalResponse(code)).toBe(outcome);
  });

  it.each([100, 180, 183, 0, -1, 700, 1000, 200.5, Number.NaN])('gives failed for the non-final code %p', (code) => {
    expect(outcomeForFinalResponse(code)).toBe('failed');
  });

  it('maps every final code to an outcome', () => {
    const outcomes = new Set<CallOutcome>();
    for (let code = 200; code <= 699; code++) outcomes.add(outcomeForFinalResponse(code));
    expect([...outcomes].sort()).toEqual([
      'answered',
      'busy',
      'failed',
      'invalid_number',
      'no_answer',
      'rejected',
      'unavailable',
    ]);
  });
});

describe('outcomeForCancelled', () => {
  it('tells our ring timeout from an abort', () => {
    expect(outcomeForCancelled('ring_timeout')).toBe('no_answer');
    expect(outcomeForCancelled('aborted')).toBe('cancelled');
  });
});
