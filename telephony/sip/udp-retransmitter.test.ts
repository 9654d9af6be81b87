import { transactionKey, UdpRetransmitter } from './udp-retransmitter.js';

function request(method: string, branch: string, cseqMethod = method): string {
  return [
    `${method} sip:100@gw.example SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=${branch}`,
    'From: <sip:a@gw.example>;tag=1',
    'To: <sip:100@gw.example>',
    'Call-ID: c1',
    `CSeq: 1 ${cseqMethod}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function response(status: number, branch: string, method: string): string {
  return [
    `SIP/2.0 ${status} Whatever`,
    `v: SIP/2.0/UDP 192.0.2.10:5060;received=198.51.100.1;branch=${branch};rport=5060`,
    'Call-ID: c1',
    `cseq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('UdpRetransmitter', () => {
  let resent: string[];
  let retransmitter: UdpRetransmitter;

  beforeEach(() => {
    jest.useFakeTimers();
    resent = [];
    retransmitter = new UdpRetransmitter((message) => resent.push(message));
  });
  afterEach(() => {
    retransmitter.clear();
    jest.useRealTimers();
  });

  /** The times (ms after sending) at which the request went out again. */
  function resendTimes(untilMs: number): number[] {
    const times: number[] = [];
    for (let t = 0; t <= untilMs; t += 10) {
      const before = resent.length;
      jest.advanceTimersByTime(10);
      if (resent.length > before) times.push(t + 10);
    }
    return times;
  }

  test('INVITE: timer A doubles from T1, no cap, and stops at 64×T1', () => {
    retransmitter.sent(request('INVITE', 'z9hG4bK1'));
    expect(resendTimes(40_000)).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(retransmitter.size).toBe(0);
    expect(new Set(resent)).toEqual(new Set([request('INVITE', 'z9hG4bK1')]));
  });

  test('INVITE: any response, even 100 Trying, stops it', () => {
    retransmitter.sent(request('INVITE', 'z9hG4bK1'));
    jest.advanceTimersByTime(600);
    retransmitter.received(response(100, 'z9hG4bK1', 'INVITE'));
    expect(resendTimes(10_000)).toEqual([]);
    expect(retransmitter.size).toBe(0);
  });

  test('non-INVITE: timer E doubles up to T2; a provisional response holds it at T2; a final one stops it', () => {
    retransmitter.sent(request('BYE', 'z9hG4bK2'));
    expect(resendTimes(10_000)).toEqual([500, 1500, 3500, 7500]);
    retransmitter.received(response(100, 'z9hG4bK2', 'BYE'));
    const next = resendTimes(8000);
    expect(next.length).toBe(2);
    retransmitter.received(response(200, 'z9hG4bK2', 'BYE'));
    expect(resendTimes(10_000)).toEqual([]);
    expect(retransmitter.size).toBe(0);
  });

  test('responses only match their own transaction: branch and CSeq method (CANCEL shares the INVITE branch)', () => {
    retransmitter.sent(request('INVITE', 'z9hG4bK3'));
    retransmitter.received(response(180, 'z9hG4bK3', 'INVITE'));
    retransmitter.sent(request('CANCEL', 'z9hG4bK3'));
    retransmitter.received(response(200, 'z9hG4bK-other', 'CANCEL'));
    retransmitter.received(response(487, 'z9hG4bK3', 'INVITE'));
    expect(retransmitter.size).toBe(1);
    expect(resendTimes(600)).toEqual([500]);
    expect(resent[0]).toMatch(/^CANCEL /);
    retransmitter.received(response(200, 'z9hG4bK3', 'CANCEL'));
    expect(retransmitter.size).toBe(0);
  });

  test('ACK, responses and messages without a branch are never retransmitted', () => {
    retransmitter.sent(request('ACK', 'z9hG4bK4'));
    retransmitter.sent(response(200, 'z9hG4bK5', 'BYE'));
    retransmitter.sent('OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n');
    expect(retransmitter.size).toBe(0);
    expect(resendTimes(5000)).toEqual([]);
  });

  test('clear() stops everything', () => {
    retransmitter.sent(request('INVITE', 'z9hG4bK6'));
    retransmitter.sent(request('REGISTER', 'z9hG4bK7'));
    retransmitter.clear();
    expect(resendTimes(5000)).toEqual([]);
  });
});

describe('transactionKey', () => {
  test('top Via branch and CSeq method, compact and odd spacing included', () => {
    expect(transactionKey(request('INVITE', 'z9hG4bKabc'))).toBe('z9hG4bKabc INVITE');
    expect(transactionKey(response(200, 'z9hG4bKabc', 'invite'))).toBe('z9hG4bKabc INVITE');
    expect(
      transactionKey(
        'SIP/2.0 200 OK\r\nVia : SIP/2.0/UDP h ; branch = z9hG4bKx , SIP/2.0/UDP p;branch=z9hG4bKy\r\nCSeq:  7  BYE\r\n\r\n',
      ),
    ).toBe('z9hG4bKx BYE');
  });

  test('undefined without a branch or a CSeq, and the body is not searched', () => {
    expect(transactionKey('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 BYE\r\n\r\n')).toBeUndefined();
    expect(
      transactionKey('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\nCSeq: 1 BYE\r\n'),
    ).toBeUndefined();
  });
});
