import { authVerdict, combineAuth, optionsVerdict, registrationVerdict, type Answer } from './trunk-probe';

const response = (code: number, challenged = false, reason = 'Reason'): Answer => ({
  kind: 'response',
  code,
  reason,
  challenged,
  rttMs: 12.3,
});

describe('authVerdict', () => {
  test.each([
    [200, false, null],
    [404, false, null],
    [405, false, null],
    [403, false, null], // refused without a challenge: says nothing about credentials (e.g. IP not allowed)
    [401, false, false], // asked for credentials we did not give (or sip.js could not use the challenge)
    [407, false, false],
    [200, true, true],
    [404, true, true], // past the authentication, refused for another reason
    [401, true, false], // challenged again after our digest
    [407, true, false],
    [403, true, false],
  ])('%i (challenged: %s) → %s', (code, challenged, expected) => {
    expect(authVerdict(response(code, challenged))).toBe(expected);
  });

  test('no response says nothing', () => {
    expect(authVerdict({ kind: 'timeout' })).toBeNull();
    expect(authVerdict({ kind: 'failed', error: 'x' })).toBeNull();
  });
});

test('combineAuth: a refusal anywhere wins, then an acceptance anywhere', () => {
  expect(combineAuth(null, null)).toBeNull();
  expect(combineAuth(true, null)).toBe(true);
  expect(combineAuth(null, true)).toBe(true);
  expect(combineAuth(true, false)).toBe(false);
  expect(combineAuth(false, true)).toBe(false);
  expect(combineAuth(null, false)).toBe(false);
});

describe('optionsVerdict', () => {
  test('any response means reachable, with its code, reason and RTT', () => {
    expect(optionsVerdict(response(405, false, 'Method Not Allowed'))).toEqual({
      reachable: true,
      authenticated: null,
      rttMs: 12.3,
      sipCode: 405,
      sipReason: 'Method Not Allowed',
      error: null,
    });
  });

  test('a timeout or a transport failure means unreachable, with the reason', () => {
    expect(optionsVerdict({ kind: 'timeout' })).toEqual({
      reachable: false,
      authenticated: null,
      rttMs: null,
      sipCode: null,
      sipReason: null,
      error: 'timeout',
    });
    expect(optionsVerdict({ kind: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:5060' })).toMatchObject({
      reachable: false,
      error: 'connect ECONNREFUSED 127.0.0.1:5060',
    });
  });
});

describe('registrationVerdict', () => {
  test('a 2xx listing our Contact is a registration', () => {
    expect(registrationVerdict(response(200, true, 'OK'), true)).toEqual({
      registration: { registered: true, sipCode: 200, sipReason: 'OK' },
      error: null,
    });
  });

  test('a 2xx without our Contact is not, and says why', () => {
    expect(registrationVerdict(response(200, false, 'OK'), false)).toEqual({
      registration: { registered: false, sipCode: 200, sipReason: 'OK' },
      error: 'the registrar answered without a binding for our Contact',
    });
  });

  test('a refusal carries its code; no answer carries an error', () => {
    expect(registrationVerdict(response(403, true, 'Forbidden'), false)).toEqual({
      registration: { registered: false, sipCode: 403, sipReason: 'Forbidden' },
      error: null,
    });
    expect(registrationVerdict({ kind: 'timeout' }, false)).toEqual({
      registration: { registered: false, sipCode: null, sipReason: null },
      error: 'REGISTER timed out',
    });
    expect(registrationVerdict({ kind: 'failed', error: 'TCP connection closed by the peer' }, false).error).toBe(
      'REGISTER failed: TCP connection closed by the peer',
    );
  });
});
