import { embeddedIPv4, ipv6Words, parseAllowedNetworks, WebhookNetworks } from './webhook-networks';

describe('WebhookNetworks', () => {
  const none = new WebhookNetworks();

  test.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.10',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::FFFF:10.0.0.1',
    '::ffff:7f00:1', // 127.0.0.1 as URLs write a mapped address
    '::ffff:a9fe:a9fe', // 169.254.169.254
    // F26: IPv6 forms that reach a private IPv4 host, and ranges with no public use.
    '64:ff9b::a9fe:a9fe', // NAT64 to 169.254.169.254
    '64:ff9b::10.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b:1::808:808', // local-use NAT64: whatever it embeds
    '2002:a9fe:a9fe::1', // 6to4 via 169.254.169.254
    '2002:c0a8:101:1::5', // 6to4 via 192.168.1.1
    '2002:7f00:1::', // 6to4 via 127.0.0.1
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    '2001::1',
    'fec0::1', // site-local
    'feff::1',
    '::7f00:1', // IPv4-compatible 127.0.0.1
    '::a9fe:a9fe',
    '::8.8.8.8', // IPv4-compatible, even a public one: deprecated, no use
    '::ffff:0:a00:1', // SIIT
    '100::1', // discard-only
    '100::ffff:ffff:ffff:ffff',
  ])('refuses %s by default', (address) => {
    expect(none.refusal(address)).toBe(`${address} is a private or local address not in WEBHOOK_ALLOWED_NETWORKS`);
  });

  test.each([
    '8.8.8.8',
    '203.0.113.7',
    '172.32.0.1',
    '192.169.0.1',
    '2001:db8::1',
    '2a00:1450::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808', // DNS64's answer for an IPv4-only public host
    '64:ff9b::8.8.8.8',
    '2002:808:808::1', // 6to4 via a public address
    '2001:4860:4860::8888', // outside Teredo's /32
    '100:0:0:1::1', // outside discard-only's /64
    'fe00::1',
  ])('lets %s through', (address) => {
    expect(none.refusal(address)).toBeUndefined();
  });

  test("the operator's networks and single addresses are allowed, nothing else of the private ranges", () => {
    const some = new WebhookNetworks(['10.20.0.0/16', '192.168.1.10', 'fd00::/8']);
    expect(['10.20.5.6', '192.168.1.10', 'fd00::9', '::ffff:10.20.0.1'].map((a) => some.refusal(a))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(some.refusal('10.21.0.1')).toBeDefined();
    expect(some.refusal('192.168.1.11')).toBeDefined();
    expect(some.refusal('127.0.0.1')).toBeDefined();
  });

  test('an allowed IPv4 network covers its NAT64 and 6to4 forms; an allowed IPv6 range opens itself', () => {
    const some = new WebhookNetworks(['10.20.0.0/16', '64:ff9b:1::/48', 'fec0::/10']);
    expect(some.refusal('64:ff9b::a14:5')).toBeUndefined(); // 10.20.0.5
    expect(some.refusal('2002:a14:5::1')).toBeUndefined();
    expect(some.refusal('64:ff9b:1::a00:1')).toBeUndefined();
    expect(some.refusal('fec0::1')).toBeUndefined();
    expect(some.refusal('64:ff9b::a15:5')).toBeDefined(); // 10.21.0.5
    expect(some.isInternal('64:ff9b::a14:5')).toBe(true);
  });
});

describe('embeddedIPv4', () => {
  test.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::ffff:a9fe:a9fe', '169.254.169.254'],
    ['0:0:0:0:0:ffff:7f00:1', '127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['64:FF9B::192.168.0.1', '192.168.0.1'],
    ['64:ff9b:0:0:0:0:808:808', '8.8.8.8'],
    ['2002:a9fe:a9fe::1', '169.254.169.254'],
    ['2002:c0a8:0101:ffff:1:2:3:4', '192.168.1.1'],
  ])('%s reaches %s', (address, ipv4) => {
    expect(embeddedIPv4(address)).toBe(ipv4);
  });

  test.each([
    '10.0.0.1',
    '::1',
    '::a9fe:a9fe',
    '64:ff9b:1::a9fe:a9fe',
    '64:ff9b::1:0:a9fe:a9fe',
    '2001:db8::1',
    'nonsense',
  ])('%s embeds none', (address) => {
    expect(embeddedIPv4(address)).toBeUndefined();
  });

  test('ipv6Words expands :: and a trailing dotted quad', () => {
    expect(ipv6Words('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ipv6Words('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(ipv6Words('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Words('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ipv6Words('fe80::1:2%eth0')).toEqual([0xfe80, 0, 0, 0, 0, 0, 1, 2]);
    expect(ipv6Words('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(ipv6Words('1.2.3.4')).toBeUndefined();
  });
});

describe('parseAllowedNetworks', () => {
  test('comma-separated, blanks ignored', () => {
    expect(parseAllowedNetworks('')).toEqual([]);
    expect(parseAllowedNetworks(' 10.0.0.0/8 , ,::1 ')).toEqual(['10.0.0.0/8', '::1']);
  });

  test.each(['10.0.0.0/33', 'fd00::/129', 'intranet.example', '10.0.0.0/8/1', '10.0.0.0/x', '10.0.0/8'])(
    'refuses %j, naming it',
    (entry) => {
      expect(() => parseAllowedNetworks(`127.0.0.1, ${entry}`)).toThrow(`"${entry}" is not an IP network`);
    },
  );
});
