import { inDialog, requestMethod, stampVia, statelessAnswer } from './request-guard';

const request = (lines: string[]) => [...lines, 'Content-Length: 0', '', ''].join('\r\n');
const SOURCE = { host: '192.0.2.7', port: 40123 };

describe('stampVia (RFC 3581, forced)', () => {
  it('sets received and rport of the top Via to the real source, replacing what the sender wrote', () => {
    const stamped = stampVia(
      request([
        'INVITE sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP 10.0.0.7:514;received=10.0.0.7;branch=z9hG4bK1;rport=514, SIP/2.0/UDP c:1;branch=2',
        'v: SIP/2.0/UDP d:2;branch=3',
      ]),
      SOURCE,
    )!;
    expect(stamped.split('\r\n')[1]).toBe(
      'Via: SIP/2.0/UDP 10.0.0.7:514;branch=z9hG4bK1;received=192.0.2.7;rport=40123, SIP/2.0/UDP c:1;branch=2',
    );
    expect(stamped).toContain('v: SIP/2.0/UDP d:2;branch=3');
  });

  it('stamps a compact top Via, and gives up on a request without one', () => {
    expect(stampVia(request(['OPTIONS sip:a@b SIP/2.0', 'v: SIP/2.0/TCP h;rport']), SOURCE)).toContain(
      'v: SIP/2.0/TCP h;received=192.0.2.7;rport=40123\r\n',
    );
    expect(stampVia(request(['OPTIONS sip:a@b SIP/2.0', 'From: <sip:a@b>;tag=1']), SOURCE)).toBeUndefined();
  });
});

describe('inDialog', () => {
  it('looks at the To header parameters, not at URI parameters', () => {
    expect(inDialog(request(['BYE sip:a@b SIP/2.0', 'To: <sip:a@b>;tag=x']))).toBe(true);
    expect(inDialog(request(['BYE sip:a@b SIP/2.0', 't: sip:a@b ; TAG = x']))).toBe(true);
    expect(inDialog(request(['INVITE sip:a@b SIP/2.0', 'To: <sip:a@b;tag=x>']))).toBe(false);
    expect(inDialog(request(['INVITE sip:a@b SIP/2.0', 'From: <sip:a@b>;tag=x', 'To: <sip:a@b>']))).toBe(false);
    expect(inDialog(request(['INVITE sip:a@b SIP/2.0']))).toBe(false);
  });
});

describe('statelessAnswer', () => {
  const invite = request([
    'INVITE sip:a@b SIP/2.0',
    'Via: SIP/2.0/UDP h:5060;branch=z9hG4bK1;received=192.0.2.7;rport=40123',
    'Via: SIP/2.0/UDP p:5060;branch=z9hG4bK0',
    'From: <sip:c@d>;tag=1',
    'To: <sip:a@b>',
    'Call-ID: abc',
    'CSeq: 3 INVITE',
    'X-Junk: 1',
  ]);

  it('copies Via, From, To (plus a tag that is the same for a retransmission), Call-ID and CSeq', () => {
    const answer = statelessAnswer(invite, 'INVITE')!;
    expect(answer).toMatch(
      /^SIP\/2\.0 486 Busy Here\r\nVia: SIP\/2\.0\/UDP h:5060;branch=z9hG4bK1;received=192\.0\.2\.7;rport=40123\r\nVia: SIP\/2\.0\/UDP p:5060;branch=z9hG4bK0\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: abc\r\nCSeq: 3 INVITE\r\nTo: <sip:a@b>;tag=[0-9a-f]{16}\r\nContent-Length: 0\r\n\r\n$/,
    );
    expect(statelessAnswer(invite, 'INVITE')).toBe(answer);
    expect(statelessAnswer(invite.replace('Call-ID: abc', 'Call-ID: abd'), 'INVITE')).not.toBe(answer);
  });

  it('OPTIONS 200, CANCEL 481, other methods 405 with Allow; ACK and requests missing headers get nothing', () => {
    expect(statelessAnswer(invite, 'OPTIONS')).toMatch(/^SIP\/2\.0 200 OK\r\n[^]*\r\nAllow: INVITE, /);
    expect(statelessAnswer(invite, 'CANCEL')).toMatch(/^SIP\/2\.0 481 /);
    expect(statelessAnswer(invite, 'SUBSCRIBE')).toMatch(/^SIP\/2\.0 405 Method Not Allowed\r\n[^]*\r\nAllow: /);
    expect(statelessAnswer(invite, 'ACK')).toBeUndefined();
    expect(statelessAnswer(invite, 'OPTIONS', ['a'])).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(statelessAnswer(invite, 'OPTIONS', ['someone'])).toMatch(/^SIP\/2\.0 404 Not Found\r\n/);
    expect(statelessAnswer(invite.replace('sip:a@b', 'sip:%2B49@b'), 'INVITE', ['+49'])).toMatch(/^SIP\/2\.0 486 /);
    expect(statelessAnswer(invite, 'CANCEL', ['someone'])).toMatch(/^SIP\/2\.0 481 /);
    expect(statelessAnswer(invite.replace('CSeq: 3 INVITE\r\n', ''), 'INVITE')).toBeUndefined();
    expect(
      statelessAnswer(invite.replace('To: <sip:a@b>\r\n', 'To: <sip:a@b>\r\nTo: <sip:e@f>\r\n'), 'INVITE'),
    ).toBeUndefined();
  });
});

test('requestMethod', () => {
  expect(requestMethod('INVITE sip:a@b SIP/2.0\r\n')).toBe('INVITE');
  expect(requestMethod('SIP/2.0 200 OK\r\n')).toBeUndefined();
  expect(requestMethod('\u0000\u0001 x')).toBeUndefined();
});
