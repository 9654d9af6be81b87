import { parseAllowedNetworks, WebhookNetworks } from './webhook-networks';

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
