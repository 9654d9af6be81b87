import { hostOrError, normalizeHost } from './trunk-validation';

describe('normalizeHost', () => {
  test.each([
    ['sip.example.com', 'sip.example.com'],
    ['SIP.Example.COM', 'sip.example.com'],
    ['sip.example.com.', 'sip.example.com'],
    ['localhost', 'localhost'],
    ['gw-1.carrier.net', 'gw-1.carrier.net'],
    ['1and1.de', '1and1.de'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['192.0.2.10', '192.0.2.10'],
    ['127.0.0.1', '127.0.0.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8::A', '2001:db8::a'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['::1', '::1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('accepts %s as %s', (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });

  test.each([
    '',
    '.',
    ' sip.example.com',
    'sip example.com',
    'sip.example.com:5060',
    'sip:sip.example.com',
    'http://sip.example.com',
    'user@sip.example.com',
    '-gw.example.com',
    'gw-.example.com',
    'gw..example.com',
    'gw_1.example.com',
    `${'a'.repeat(64)}.example`,
    `${'a.'.repeat(127)}ab`, // 255 characters
    '300.1.1.1',
    '192.0.2',
    '1.2.3.4.5',
    '[192.0.2.1]',
    '[2001:db8::1',
    '2001:db8::1::2',
    'fe80::1%eth0',
    'bücher.example',
  ])('refuses %j', (input) => {
    expect(normalizeHost(input)).toBeUndefined();
  });
});

test('hostOrError names the field', () => {
  expect(hostOrError('gw.example.com', 'body.host')).toEqual({ host: 'gw.example.com' });
  expect(hostOrError('nope nope', 'body.outboundProxy.host')).toEqual({
    error: {
      field: 'body.outboundProxy.host',
      message: 'must be a host name or an IPv4/IPv6 address (no port, no scheme)',
    },
  });
});
