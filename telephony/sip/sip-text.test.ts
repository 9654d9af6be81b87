import type { TrunkConfig } from '../call-types';
import { checkCallerIdText, checkTrunkText, displayNameContent, SipTextError, unquotableSipText } from './sip-text';

const trunk = (extra: Partial<TrunkConfig> = {}): TrunkConfig => ({
  id: 't',
  host: 'sip.example.net',
  port: 5060,
  transport: 'udp',
  callerId: { number: '+4930123456', displayName: 'Voicecast' },
  register: false,
  ...extra,
});

const BAD = ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\u0000b', 'a\tb', 'a\u007fb', 'a\u0085b', 'a\u2028b'];

describe('displayNameContent', () => {
  test('plain text and non-ASCII pass unchanged', () => {
    expect(displayNameContent('Müller & Söhne GmbH')).toBe('Müller & Söhne GmbH');
  });

  test('" and \\ become RFC 3261 quoted-pairs', () => {
    expect(displayNameContent('Ann "The Dialler" \\o/')).toBe('Ann \\"The Dialler\\" \\\\o/');
  });

  test.each(BAD)('a control character is refused: %j', (value) => {
    expect(() => displayNameContent(value, 'caller ID name')).toThrow(SipTextError);
    expect(() => displayNameContent(value, 'caller ID name')).toThrow(/^caller ID name contains a control character/);
  });
});

test('a digest user name cannot be escaped: " and \\ are refused too', () => {
  expect(unquotableSipText('alice@example.net', 'u')).toBe('alice@example.net');
  expect(() => unquotableSipText('a"b', 'u')).toThrow('u contains `"` or `\\`');
  expect(() => unquotableSipText('a\\b', 'u')).toThrow(SipTextError);
});

describe('checkTrunkText', () => {
  test('a well-formed trunk passes', () => {
    expect(() =>
      checkTrunkText(
        trunk({
          username: 'alice',
          authUsername: 'a-1',
          realm: 'sip.example.net',
          outboundProxy: { host: '10.0.0.1', port: 5060 },
        }),
      ),
    ).not.toThrow();
    expect(() => checkTrunkText(trunk({ callerId: { number: '+4930', displayName: 'say "hi"' } }))).not.toThrow();
  });

  test.each<[string, Partial<TrunkConfig>]>([
    ['trunk host', { host: 'sip.example.net\r\nX: 1' }],
    ['trunk host', { host: 'sip example' }],
    ['outbound proxy host', { outboundProxy: { host: 'p\u0000', port: 5060 } }],
    ['trunk username', { username: 'a\nb' }],
    ['trunk username', { username: 'a"b' }],
    ['trunk authUsername', { authUsername: 'a\r\nX: 1' }],
    ['trunk realm', { realm: 'r\u0000' }],
    ['caller ID number', { callerId: { number: '+49\r\n' } }],
    ['caller ID name', { callerId: { number: '+4930', displayName: 'a\r\nX-Injected: 1' } }],
  ])('%s refused: %j', (field, extra) => {
    expect(() => checkTrunkText(trunk(extra))).toThrow(new RegExp(`^${field} `));
  });

  test('the error never quotes the value', () => {
    let message = '';
    try {
      checkCallerIdText({ number: '+4930', displayName: 'secret\r\n' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^caller ID name contains a control character/);
    expect(message).not.toContain('secret');
  });
});
