import { parseConfig } from './config';
import { stackServicePorts, TrunkNetworks } from './trunk-networks';

describe('TrunkNetworks', () => {
  const none = new TrunkNetworks();
  const listed = new TrunkNetworks(
    ['10.0.5.0/24', '127.0.0.0/8', '169.254.0.0/16', 'fd00::/8', '224.0.0.0/4'],
    [{ port: 5432, service: 'PostgreSQL' }],
  );

  test.each(['203.0.113.10', '8.8.8.8', '2001:db8::1', '2a00:1450:4001::1'])(
    'a public address is allowed: %s',
    (ip) => {
      expect(none.refusal(ip, 5060)).toBeUndefined();
    },
  );

  test.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.1.1',
    '::1',
    'fd12::1',
    'fe80::1',
  ])('a private or local address is refused unless listed, and the refusal says how to allow it: %s', (ip) => {
    expect(none.refusal(ip, 5060)).toMatch(
      /is a private or local address: to allow it, add its network to TRUNK_ALLOWED_NETWORKS \(e\.g\. /,
    );
  });

  test('the refusal suggests the /24 of an IPv4 address', () => {
    expect(none.refusal('10.1.2.3')).toContain('(e.g. 10.1.2.0/24)');
  });

  test('a listed network is allowed; its neighbours are not', () => {
    expect(listed.refusal('10.0.5.20', 5060)).toBeUndefined();
    expect(listed.refusal('127.0.0.1', 5060)).toBeUndefined();
    expect(listed.refusal('fd00::5', 5060)).toBeUndefined();
    expect(listed.refusal('10.0.6.20', 5060)).toMatch(/private or local/);
  });

  test.each([
    '169.254.169.254',
    'fd00:ec2::254',
    '100.100.100.200',
    '224.0.0.1',
    '239.1.1.1',
    '255.255.255.255',
    '0.0.0.0',
    '::',
    'ff02::1',
  ])('cloud metadata, multicast and reserved addresses are refused even when listed: %s', (ip) => {
    expect(listed.refusal(ip, 5060)).toMatch(/cloud metadata, multicast or reserved address/);
  });

  test('an IPv4-mapped, NAT64 or 6to4 IPv6 address is checked as the IPv4 address it reaches', () => {
    expect(none.refusal('::ffff:169.254.169.254')).toMatch(/cloud metadata/);
    expect(none.refusal('::ffff:a01:203')).toMatch(/private or local/); // 10.1.2.3
    expect(none.refusal('64:ff9b::a9fe:a9fe')).toMatch(/cloud metadata/);
    expect(none.refusal('2002:a01:203::1')).toMatch(/private or local/);
    expect(none.refusal('fec0::1')).toMatch(/private or local/);
    expect(none.refusal('64:ff9b::cb00:710a', 5060)).toBeUndefined(); // 203.0.113.10
  });

  test("the stack's own service ports on an internal address are refused even when listed", () => {
    expect(listed.refusal('127.0.0.1', 5432)).toBe("port 5432 is this stack's PostgreSQL, never a SIP trunk");
    expect(listed.refusal('10.0.5.20', 5432)).toMatch(/PostgreSQL/);
    expect(listed.refusal('203.0.113.10', 5432)).toBeUndefined(); // someone else's server
  });

  test('literalRefusal checks IP literals only (names are checked on resolution)', () => {
    expect(none.literalRefusal('sip.example.net')).toBeUndefined();
    expect(none.literalRefusal('localhost')).toBeUndefined();
    expect(none.literalRefusal('10.1.2.3')).toMatch(/private or local/);
  });

  test('a name is never an address', () => {
    expect(none.refusal('localhost')).toBe('localhost is not an IP address');
  });
});

test('stackServicePorts names the configured services', () => {
  const config = parseConfig({
    API_PORT: '3100',
    DATABASE_URL: 'postgres://u:p@db:6543/voicecast',
    TEMPORAL_ADDRESS: 'temporal:7300',
    MINIO_ENDPOINT: 'http://minio:9100',
    WORKER_METRICS_PORT: '9500',
  });
  expect(stackServicePorts(config)).toEqual(
    expect.arrayContaining([
      { port: 3100, service: 'API' },
      { port: 9500, service: 'worker metrics' },
      { port: 6543, service: 'PostgreSQL' },
      { port: 7300, service: 'Temporal' },
      { port: 9100, service: 'MinIO' },
    ]),
  );
  expect(stackServicePorts(parseConfig({ DATABASE_URL: 'postgres://u:p@db/voicecast' }))).toContainEqual({
    port: 5432,
    service: 'PostgreSQL',
  });
  const off = stackServicePorts(parseConfig({ WORKER_METRICS_PORT: 'off' }));
  expect(off.map((p) => p.service)).not.toContain('worker metrics');
});
