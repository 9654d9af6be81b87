import { isTechnicalFailure, probeShowsTrunkUp, trunkResponded, type TrunkCallResult } from './trunk-failover';
import { outcomeForFinalResponse } from '../telephony/sip/outcome';

const at = new Date('2026-12-07T00:00:00Z');
/** A final answer without ringing, with the outcome the engine maps it to. */
const answer = (sipCode: number): TrunkCallResult => ({
  outcome: outcomeForFinalResponse(sipCode),
  sipCode,
  times: {},
});

describe('isTechnicalFailure', () => {
  test.each([500, 502, 503, 504, 513, 580, 408, 401, 407])('%i fails over', (code) => {
    expect(isTechnicalFailure(answer(code))).toBe(true);
  });

  test.each([486, 600, 603, 403, 404, 410, 480, 484, 487, 488, 400, 302, 604, 606, 607])(
    '%i never fails over',
    (code) => {
      expect(isTechnicalFailure(answer(code))).toBe(false);
    },
  );

  test('no final response and an unreachable trunk fail over', () => {
    expect(isTechnicalFailure({ outcome: 'unavailable', times: {} })).toBe(true);
    expect(isTechnicalFailure({ outcome: 'unavailable', times: {}, inviteSent: false })).toBe(true);
  });

  test('a 503 after the callee’s phone rang does not: a second trunk would ring them again', () => {
    expect(isTechnicalFailure({ outcome: 'unavailable', sipCode: 503, times: { ringing: at } })).toBe(false);
    expect(isTechnicalFailure({ outcome: 'unavailable', times: { ringing: at } })).toBe(false);
  });

  test('answered, cancelled, blocked and undialable results do not', () => {
    expect(isTechnicalFailure({ outcome: 'answered', sipCode: 200, times: { answer: at } })).toBe(false);
    expect(isTechnicalFailure({ outcome: 'cancelled', times: {} })).toBe(false);
    expect(isTechnicalFailure({ outcome: 'blocked', times: {} })).toBe(false);
    expect(isTechnicalFailure({ outcome: 'invalid_number', times: {}, inviteSent: false })).toBe(false);
    expect(isTechnicalFailure({ outcome: 'failed', times: {}, inviteSent: false })).toBe(false);
  });
});

describe('trunkResponded', () => {
  test('a deliberate answer or an answered call shows the trunk works', () => {
    expect(trunkResponded(answer(486))).toBe(true);
    expect(trunkResponded(answer(404))).toBe(true);
    expect(trunkResponded({ outcome: 'answered', sipCode: 200, times: { answer: at } })).toBe(true);
    expect(trunkResponded({ outcome: 'no_answer', times: { ringing: at } })).toBe(true);
  });

  test('a technical failure or no word from the trunk does not', () => {
    expect(trunkResponded(answer(503))).toBe(false);
    expect(trunkResponded({ outcome: 'unavailable', times: {} })).toBe(false);
    expect(trunkResponded({ outcome: 'cancelled', times: {} })).toBe(false);
    expect(trunkResponded({ outcome: 'invalid_number', times: {}, inviteSent: false })).toBe(false);
  });
});

describe('probeShowsTrunkUp', () => {
  test.each([200, 202, 302, 403, 404, 405, 481, 486, 604])('an OPTIONS answered %i: the trunk is up', (code) => {
    expect(probeShowsTrunkUp(code)).toBe(true);
  });

  test.each([100, 401, 407, 408, 500, 503, 504, 599])('an OPTIONS answered %i: still down', (code) => {
    expect(probeShowsTrunkUp(code)).toBe(false);
  });

  test('no answer at all: still down', () => {
    expect(probeShowsTrunkUp(null)).toBe(false);
  });
});
