import { Core } from 'sip.js';
import { challengeRealm, realmRefusal } from './realm.js';

const quiet = { error: () => undefined, warn: () => undefined, log: () => undefined, debug: () => undefined };

function response(status: string, ...headers: string[]): Core.IncomingResponseMessage {
  const data = [
    `SIP/2.0 ${status}`,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1;rport=5070',
    'From: <sip:100@127.0.0.1>;tag=a',
    'To: <sip:200@127.0.0.1>;tag=b',
    'Call-ID: realm-test',
    'CSeq: 1 INVITE',
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const message = Core.Parser.parseMessage(data, quiet as unknown as Core.Logger);
  if (!(message instanceof Core.IncomingResponseMessage)) throw new Error('not parsed as a response');
  return message;
}

const www = (realm: string) => `WWW-Authenticate: Digest realm="${realm}", nonce="n1", algorithm=MD5, qop="auth"`;

describe('challengeRealm', () => {
  test('the realm of a 401 WWW-Authenticate and of a 407 Proxy-Authenticate, unquoted', () => {
    expect(challengeRealm(response('401 Unauthorized', www('sip.provider.example')))).toBe('sip.provider.example');
    const proxy = 'Proxy-Authenticate: Digest nonce="n2", realm="proxy realm", qop="auth"';
    expect(challengeRealm(response('407 Proxy Authentication Required', proxy))).toBe('proxy realm');
  });

  test('nothing for other responses, a 401 without a challenge, or a challenge header of the other kind', () => {
    expect(challengeRealm(response('403 Forbidden', www('x')))).toBeUndefined();
    expect(challengeRealm(response('401 Unauthorized'))).toBeUndefined();
    expect(challengeRealm(response('407 Proxy Authentication Required', www('x')))).toBeUndefined();
  });
});

describe('realmRefusal', () => {
  const challenge = response('401 Unauthorized', www('sip.provider.example'));

  test('no trunk realm, or the same one: nothing refused', () => {
    expect(realmRefusal(challenge, undefined)).toBeUndefined();
    expect(realmRefusal(challenge, 'sip.provider.example')).toBeUndefined();
  });

  test('another realm, compared case-sensitively: both realms named', () => {
    expect(realmRefusal(challenge, 'SIP.provider.example')).toBe(
      'challenged for realm "sip.provider.example", not the trunk\'s realm "SIP.provider.example": credentials not sent',
    );
  });

  test('not a challenge: nothing refused', () => {
    expect(realmRefusal(response('404 Not Found'), 'sip.provider.example')).toBeUndefined();
  });
});
