/**
 * `/api/v1/trunks` against the running API: CRUD with defaults, validation naming fields,
 * ownership (404 for others, admins see all), duplicate names, the password sealed in
 * PostgreSQL and rotated to a new key on update, and never in a response body or a log
 * line. The trunk test endpoint against sipp is in trunk-test-endpoint.test.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { trunkPasswordContext } from '../../db/entities/sip-trunk.entity';
import { parseConfig } from '../../lib/config';
import { SecretBox } from '../../lib/secret-box';
import { waitFor } from '../../telephony/rtp/test-support';
import { adminToken, apiUrl, login, userToken } from '../support/api';
import { startExtraApi } from '../support/extra-api';
import { freePort, readStack } from '../support/stack';
import { NO_SIP_ANSWER, PASSWORD_MARK, newPassword, trunkApi, type Sent, type TrunkPage } from '../support/trunks';

let pool: Pool;
beforeAll(() => {
  pool = new Pool({ connectionString: readStack().databaseUrl, max: 1 });
});
afterAll(async () => {
  await pool.end();
});

async function sealedPassword(id: string): Promise<string | null> {
  const { rows } = await pool.query<{ password_sealed: string | null }>(
    'select password_sealed from sip_trunk where id = $1',
    [id],
  );
  return rows[0]?.password_sealed ?? null;
}

function expectProblem(res: Sent<unknown>, status: number, type: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ type: `urn:voicecast:problem:${type}`, status });
}

const databasePort = (): number => Number(new URL(readStack().databaseUrl).port || 5432);

const fields = (res: Sent): string[] => (res.json.errors ?? []).map((e) => e.field).sort();

const full = (password: string) => ({
  name: `full-${randomUUID().slice(0, 8)}`,
  host: 'SIP.Example.com',
  port: 5080,
  transport: 'tcp',
  username: 'acct-1',
  password,
  authUsername: 'auth-1',
  realm: 'example.com',
  outboundProxy: { host: '192.0.2.10', port: 5061 },
  callerIdNumber: '+4930123456',
  callerIdName: 'Voicecast',
  register: true,
  registerExpiresSeconds: 600,
  maxConcurrentCalls: 30,
  maxCallsPerSecond: 3,
  codecs: ['PCMA', 'PCMU'],
});

describe('trunks', () => {
  const api = trunkApi(apiUrl);

  test('create, get, list, update and delete; defaults; the password write-only', async () => {
    const { id: ownerId, token } = await userToken();
    const password = newPassword();
    const created = await api('POST', '/api/v1/trunks', token, full(password));
    expect(created.status).toBe(201);
    const trunk = created.json;
    expect(created.headers.get('location')).toBe(`/api/v1/trunks/${trunk.id}`);
    const { password: _, ...expected } = full(password);
    expect(trunk).toEqual({
      ...expected,
      name: trunk.name,
      host: 'sip.example.com', // normalised
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ownerId,
      shared: false,
      hasPassword: true,
      health: { state: 'up', consecutiveFailures: 0, downUntil: null, lastFailure: null, lastProbe: null },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    expect((await api('GET', `/api/v1/trunks/${trunk.id}`, token)).json).toEqual(trunk);
    expect((await api<TrunkPage>('GET', '/api/v1/trunks', token)).json).toEqual({ items: [trunk] });

    const minimal = await api('POST', '/api/v1/trunks', token, {
      name: 'minimal',
      host: '[2001:DB8::5]',
      callerIdNumber: '4930999',
    });
    expect(minimal.status).toBe(201);
    expect(minimal.json).toMatchObject({
      host: '2001:db8::5',
      port: 5060,
      transport: 'udp',
      username: null,
      hasPassword: false,
      authUsername: null,
      realm: null,
      outboundProxy: null,
      callerIdName: null,
      register: false,
      registerExpiresSeconds: 3600,
      maxConcurrentCalls: 10,
      maxCallsPerSecond: 5,
      codecs: ['PCMU', 'PCMA'],
    });
    // Newest first, a page at a time ({items, nextCursor}).
    expect((await api<TrunkPage>('GET', '/api/v1/trunks', token)).json.items.map((t) => t.name)).toEqual([
      'minimal',
      trunk.name,
    ]);
    const first = (await api<TrunkPage>('GET', '/api/v1/trunks?limit=1', token)).json;
    expect(first.items.map((t) => t.name)).toEqual(['minimal']);
    const rest = (await api<TrunkPage>('GET', `/api/v1/trunks?limit=1&after=${first.nextCursor ?? ''}`, token)).json;
    expect(rest).toEqual({ items: [expect.objectContaining({ name: trunk.name })] });
    expectProblem(await api('GET', '/api/v1/trunks?after=nonsense', token), 422, 'validation-error');

    // PATCH: only what is given; absent password kept (same ciphertext), null clears.
    const sealed = await sealedPassword(trunk.id);
    const patched = await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, {
      callerIdName: null,
      codecs: ['PCMU'],
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      port: 5080,
      outboundProxy: { host: '192.0.2.10', port: 5061 },
      callerIdName: null,
      codecs: ['PCMU'],
    });
    expect(patched.json).toMatchObject({ name: trunk.name, username: 'acct-1', hasPassword: true });
    expect(await sealedPassword(trunk.id)).toBe(sealed);
    expect((await api('GET', `/api/v1/trunks/${trunk.id}`, token)).json).toEqual(patched.json); // stored

    const cleared = await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, { password: null });
    expect(cleared.json.hasPassword).toBe(false);
    expect(await sealedPassword(trunk.id)).toBeNull();

    const deleted = await api('DELETE', `/api/v1/trunks/${trunk.id}`, token);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectProblem(await api('GET', `/api/v1/trunks/${trunk.id}`, token), 404, 'not-found');
    expectProblem(await api('DELETE', `/api/v1/trunks/${trunk.id}`, token), 404, 'not-found');
  });

  test('a stored password must be given again to change where it goes: host, port, proxy, realm (F22)', async () => {
    const { token } = await userToken();
    const password = newPassword();
    const trunk = (await api('POST', '/api/v1/trunks', token, full(password))).json;
    const sealed = await sealedPassword(trunk.id);
    const repoints: Record<string, unknown>[] = [
      { host: '203.0.113.66' },
      { port: 5090 },
      { outboundProxy: { host: '203.0.113.66', port: 5060 } },
      { outboundProxy: null },
      { realm: 'attacker.example' },
      { realm: null },
    ];
    for (const body of repoints) {
      const res = await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, body);
      expect([JSON.stringify(body), res.status, fields(res)]).toEqual([JSON.stringify(body), 422, ['body.password']]);
    }
    expect((await api('GET', `/api/v1/trunks/${trunk.id}`, token)).json).toEqual(trunk);
    expect(await sealedPassword(trunk.id)).toBe(sealed);
    // The same host in another spelling is no change; with the password, any change goes through.
    expect((await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, { host: 'SIP.EXAMPLE.COM' })).status).toBe(200);
    const moved = await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, { host: '203.0.113.66', password });
    expect([moved.status, moved.json.host]).toEqual([200, '203.0.113.66']);
    // Without a stored password there is nothing to protect.
    await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, { password: null });
    expect((await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, { realm: 'other.example' })).status).toBe(200);
  });

  test('the password is sealed in PostgreSQL (AES-GCM, key id kept) and opens with the configured key', async () => {
    const { token } = await userToken();
    const password = newPassword();
    const trunk = (await api('POST', '/api/v1/trunks', token, full(password))).json;
    const sealed = (await sealedPassword(trunk.id))!;
    expect(sealed).not.toContain(password);
    expect(sealed).not.toContain(Buffer.from(password).toString('base64url'));
    expect(sealed).toMatch(/^v1\.dev1\./);
    const box = new SecretBox(parseConfig(readStack().env).encryptionKeys);
    expect(box.open(sealed, trunkPasswordContext(trunk.id))).toBe(password);
    // Bound to its row: the same ciphertext does not open as another trunk's.
    expect(() => box.open(sealed, trunkPasswordContext(randomUUID()))).toThrow();

    const replaced = newPassword();
    await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, { password: replaced });
    expect(box.open((await sealedPassword(trunk.id))!, trunkPasswordContext(trunk.id))).toBe(replaced);
  });

  test('validation: 422 problem+json naming every bad field, nothing written', async () => {
    const { token } = await userToken();
    const bad = await api('POST', '/api/v1/trunks', token, {
      name: '',
      host: 'gw.example.com',
      port: 0,
      transport: 'tls',
      callerIdNumber: 'anonymous',
      registerExpiresSeconds: 10,
      maxConcurrentCalls: 0,
      maxCallsPerSecond: 1.5,
      codecs: ['PCMU', 'PCMU'],
      password: `${newPassword()}${'x'.repeat(300)}`,
      extra: 1,
    });
    expectProblem(bad, 422, 'validation-error');
    expect(fields(bad)).toEqual(
      [
        'body.name',
        'body.port',
        'body.transport',
        'body.callerIdNumber',
        'body.registerExpiresSeconds',
        'body.maxConcurrentCalls',
        'body.maxCallsPerSecond',
        'body.codecs',
        'body.password',
        'body.extra',
      ].sort(),
    );
    // Union failures (`string | null`, enums) name what was wanted, never the value sent.
    expect(bad.json.errors).toContainEqual({
      field: 'body.transport',
      message: "should be one of the following; ['udp', 'tcp']",
    });
    expect(bad.json.errors).toContainEqual({
      field: 'body.password',
      message: 'maxLength 256 or should be one of the following; [null]',
    });
    for (const body of [
      { port: 65536 },
      { codecs: ['G729'] },
      { codecs: [] },
      { callerIdNumber: '+49 30 1234' },
      { registerExpiresSeconds: 100_000 },
    ]) {
      const res = await api('POST', '/api/v1/trunks', token, {
        name: 'x',
        host: 'gw.example',
        callerIdNumber: '123',
        ...body,
      });
      expectProblem(res, 422, 'validation-error');
      // tsoa names array items without the `body.` prefix (`codecs.$0`).
      expect(fields(res)).toEqual([expect.stringContaining(Object.keys(body)[0])]);
    }
    expect(fields(await api('POST', '/api/v1/trunks', token, {}))).toEqual([
      'body.callerIdNumber',
      'body.host',
      'body.name',
    ]);

    const hosts = await api('POST', '/api/v1/trunks', token, {
      name: 'hosts',
      host: 'gw.example.com:5060',
      outboundProxy: { host: '300.1.1.1', port: 5060 },
      callerIdNumber: '123',
      password: newPassword(),
    });
    expectProblem(hosts, 422, 'validation-error');
    expect(hosts.json.errors).toEqual([
      { field: 'body.host', message: expect.stringContaining('host name or an IPv4/IPv6 address') },
      { field: 'body.outboundProxy.host', message: expect.stringContaining('host name') },
    ]);
    expect((await api<TrunkPage>('GET', '/api/v1/trunks', token)).json).toEqual({ items: [] });

    const trunk = (await api('POST', '/api/v1/trunks', token, full(newPassword()))).json;
    for (const body of [{ host: 'not a host' }, { port: 0 }, { password: '' }, { name: null }]) {
      expectProblem(await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, body), 422, 'validation-error');
    }
    expect((await api('GET', `/api/v1/trunks/${trunk.id}`, token)).json).toEqual(trunk);
  });

  test('strings that reach SIP headers: CR, LF, NUL, other controls, " and \\ are 422 naming the field (F1)', async () => {
    const { token } = await userToken();
    const base = { host: 'gw.example.com', callerIdNumber: '+4930123456' };
    const cases: [string, string][] = [
      ['callerIdName', 'x\r\nSET pwned 1\r\nX-A: b'],
      ['callerIdName', 'a\rb'],
      ['callerIdName', 'a\nb'],
      ['callerIdName', 'a\u0000b'],
      ['callerIdName', 'a\u007fb'],
      ['callerIdName', 'a\u0085b'],
      ['callerIdName', 'say "hi"'],
      ['callerIdName', 'a\\b'],
      ['callerIdName', 'x'.repeat(101)],
      ['authUsername', 'a\r\nX-Injected: 1'],
      ['authUsername', 'a\u0000'],
      ['authUsername', 'a"b'],
      ['username', 'a\nb'],
      ['username', 'a\u0000b'],
      ['realm', 'r\r\nX: 1'],
      ['realm', 'r\u0000'],
    ];
    for (const [field, value] of cases) {
      const res = await api('POST', '/api/v1/trunks', token, { name: `sip-${randomUUID()}`, ...base, [field]: value });
      expect([field, JSON.stringify(value), res.status, fields(res)]).toEqual([
        field,
        JSON.stringify(value),
        422,
        [`body.${field}`],
      ]);
      expectProblem(res, 422, 'validation-error');
      expect(res.text).not.toContain(value); // the value is never echoed
    }
    // A NUL in any other field is a 422 too, not PostgreSQL's 500.
    const nulName = await api('POST', '/api/v1/trunks', token, { name: 'a\u0000b', ...base });
    expect([nulName.status, fields(nulName)]).toEqual([422, ['body.name']]);
    expect((await api<TrunkPage>('GET', '/api/v1/trunks', token)).json).toEqual({ items: [] });

    // Printable text in any script is fine; PATCH is checked the same way.
    const ok = await api('POST', '/api/v1/trunks', token, {
      name: `sip-${randomUUID()}`,
      ...base,
      callerIdName: 'Müller & Söhne – Ωmega',
      authUsername: 'auth@example.com',
    });
    expect([ok.status, ok.json.callerIdName]).toEqual([201, 'Müller & Söhne – Ωmega']);
    for (const [field, value] of cases) {
      const res = await api('PATCH', `/api/v1/trunks/${ok.json.id}`, token, { [field]: value });
      expect([field, JSON.stringify(value), res.status, fields(res)]).toEqual([
        field,
        JSON.stringify(value),
        422,
        [`body.${field}`],
      ]);
    }
    expect((await api('GET', `/api/v1/trunks/${ok.json.id}`, token)).json).toEqual(ok.json);
  });

  test("trunk network policy: metadata, private and local hosts and the stack's own ports are 422 unless listed (F2)", async () => {
    const { token, user } = await userToken();
    const base = { callerIdNumber: '+4930123456' };
    const refused: [Record<string, unknown>, string, RegExp][] = [
      [{ host: '169.254.169.254' }, 'body.host', /cloud metadata/],
      [{ host: 'fd00:ec2::254' }, 'body.host', /cloud metadata/],
      [{ host: '[fd00:ec2::254]' }, 'body.host', /cloud metadata/],
      [{ host: '224.0.0.1' }, 'body.host', /multicast/],
      [
        { host: '10.1.2.3' },
        'body.host',
        /private or local address: to allow it, add its network to TRUNK_ALLOWED_NETWORKS \(e\.g\. 10\.1\.2\.0\/24\)/,
      ],
      [{ host: '192.168.1.20' }, 'body.host', /TRUNK_ALLOWED_NETWORKS/],
      [{ host: '::1' }, 'body.host', /TRUNK_ALLOWED_NETWORKS/], // the stack lists 127.0.0.0/8 only
      [{ host: 'fe80::1' }, 'body.host', /TRUNK_ALLOWED_NETWORKS/],
      [
        { host: 'sip.example.com', outboundProxy: { host: '10.1.2.3', port: 5060 } },
        'body.outboundProxy.host',
        /TRUNK_ALLOWED_NETWORKS/,
      ],
      [{ host: '127.0.0.1', port: databasePort() }, 'body.port', /this stack's PostgreSQL/],
      [{ host: '127.0.0.1', port: Number(new URL(apiUrl()).port) }, 'body.port', /this stack's API/],
    ];
    for (const [body, field, message] of refused) {
      const res = await api('POST', '/api/v1/trunks', token, { name: `net-${randomUUID()}`, ...base, ...body });
      expectProblem(res, 422, 'validation-error');
      expect([JSON.stringify(body), res.json.errors]).toEqual([
        JSON.stringify(body),
        [{ field, message: expect.stringMatching(message) as unknown }],
      ]);
    }
    expect((await api<TrunkPage>('GET', '/api/v1/trunks', token)).json).toEqual({ items: [] });

    // Listed (the test stack lists 127.0.0.0/8 for sipp), public, or a name: 201.
    for (const host of ['127.0.0.1', '127.0.0.2', '203.0.113.5', '2001:db8::5', 'sip.example.com']) {
      const res = await api('POST', '/api/v1/trunks', token, { name: `net-${randomUUID()}`, ...base, host });
      expect([host, res.status]).toEqual([host, 201]);
    }
    const trunk = (
      await api('POST', '/api/v1/trunks', token, { name: `net-${randomUUID()}`, ...base, host: '203.0.113.9' })
    ).json;
    const patched = await api('PATCH', `/api/v1/trunks/${trunk.id}`, token, { host: '169.254.169.254' });
    expect([patched.status, fields(patched)]).toEqual([422, ['body.host']]);

    // An operator who lists 10.1.2.0/24 may use it; the error said how.
    const extra = await startExtraApi({ TRUNK_ALLOWED_NETWORKS: '10.1.2.0/24' });
    try {
      const other = trunkApi(() => extra.url);
      const extraToken = (await login(user.username, user.password, extra.url)).access_token;
      const listed = await other('POST', '/api/v1/trunks', extraToken, {
        name: `net-${randomUUID()}`,
        ...base,
        host: '10.1.2.3',
      });
      expect(listed.status).toBe(201);
      const neighbour = await other('POST', '/api/v1/trunks', extraToken, {
        name: `net-${randomUUID()}`,
        ...base,
        host: '10.1.3.3',
      });
      expect([neighbour.status, fields(neighbour)]).toEqual([422, ['body.host']]);
      const metadata = await other('POST', '/api/v1/trunks', extraToken, {
        name: `net-${randomUUID()}`,
        ...base,
        host: '169.254.169.254',
      });
      expect([metadata.status, fields(metadata)]).toEqual([422, ['body.host']]);
    } finally {
      await extra.stop();
    }
  });

  test("another user's trunk is 404 everywhere; an admin sees and changes all", async () => {
    const owner = await userToken();
    const other = await userToken();
    const trunk = (await api('POST', '/api/v1/trunks', owner.token, full(newPassword()))).json;
    for (const [method, path, body] of [
      ['GET', `/api/v1/trunks/${trunk.id}`],
      ['PATCH', `/api/v1/trunks/${trunk.id}`, { port: 1 }],
      ['DELETE', `/api/v1/trunks/${trunk.id}`],
      ['POST', `/api/v1/trunks/${trunk.id}/test`],
    ] as const) {
      expectProblem(await api(method, path, other.token, body), 404, 'not-found');
    }
    expectProblem(await api('GET', '/api/v1/trunks/not-a-uuid', other.token), 422, 'validation-error');
    expect((await api<TrunkPage>('GET', '/api/v1/trunks', other.token)).json).toEqual({ items: [] });
    expect((await api('GET', `/api/v1/trunks/${trunk.id}`, owner.token)).json.port).toBe(5080); // untouched

    const admin = await adminToken();
    expect((await api('GET', `/api/v1/trunks/${trunk.id}`, admin)).json).toEqual(trunk);
    expect((await api<TrunkPage>('GET', '/api/v1/trunks?limit=200', admin)).json.items.map((t) => t.id)).toContain(
      trunk.id,
    );
    expect((await api('PATCH', `/api/v1/trunks/${trunk.id}`, admin, { maxCallsPerSecond: 7 })).json).toMatchObject({
      ownerId: owner.id,
      maxCallsPerSecond: 7,
    });
    expect((await api('DELETE', `/api/v1/trunks/${trunk.id}`, admin)).status).toBe(204);
    expectProblem(await api('GET', '/api/v1/trunks', undefined), 401, 'unauthorized');
  });

  test('a duplicate name of the same owner is 409; another owner may use it', async () => {
    const a = await userToken();
    const b = await userToken();
    const body = { name: 'carrier', host: 'gw.example', callerIdNumber: '123' };
    expect((await api('POST', '/api/v1/trunks', a.token, body)).status).toBe(201);
    const duplicate = await api('POST', '/api/v1/trunks', a.token, body);
    expectProblem(duplicate, 409, 'conflict');
    expect(duplicate.json.errors).toEqual([{ field: 'body.name', message: 'already in use' }]);
    expect((await api('POST', '/api/v1/trunks', b.token, body)).status).toBe(201);

    const second = (await api('POST', '/api/v1/trunks', a.token, { ...body, name: 'backup' })).json;
    expectProblem(await api('PATCH', `/api/v1/trunks/${second.id}`, a.token, { name: 'carrier' }), 409, 'conflict');
    expect((await api<TrunkPage>('GET', '/api/v1/trunks', a.token)).json.items.map((t) => t.name)).toEqual([
      'backup',
      'carrier',
    ]);
  });

  test('key rotation: an update re-seals with the new first key; nothing logs a password', async () => {
    const oldKeys = parseConfig(readStack().env).encryptionKeys;
    const newKey = { id: 'k2', key: randomBytes(32) };
    const extra = await startExtraApi({
      LOG_LEVEL: 'trace',
      ENCRYPTION_KEYS: `k2:${newKey.key.toString('base64')},${oldKeys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',')}`,
    });
    const passwords: string[] = [];
    let log: string;
    try {
      const rotated = trunkApi(() => extra.url);
      const { token, user } = await userToken();
      // Tokens name their issuer: the extra API wants its own.
      const extraToken = (await login(user.username, user.password, extra.url)).access_token;
      const password = newPassword();
      passwords.push(password);
      // Tested below: TCP to a closed loopback port, refused at once.
      const closed = { host: '127.0.0.1', port: await freePort('127.0.0.1'), outboundProxy: null };
      const trunk = (await api('POST', '/api/v1/trunks', token, { ...full(password), ...closed })).json;
      expect(await sealedPassword(trunk.id)).toMatch(/^v1\.dev1\./);

      // Through the API with the new key first: a PATCH without a password re-seals it.
      expect((await rotated('PATCH', `/api/v1/trunks/${trunk.id}`, extraToken, { maxCallsPerSecond: 2 })).status).toBe(
        200,
      );
      const resealed = (await sealedPassword(trunk.id))!;
      expect(resealed).toMatch(/^v1\.k2\./);
      const both = new SecretBox([newKey, ...oldKeys]);
      expect(both.open(resealed, trunkPasswordContext(trunk.id))).toBe(password);
      expect(() => new SecretBox(oldKeys).open(resealed, trunkPasswordContext(trunk.id))).toThrow();

      // The password crosses the wire in every way once more, with everything logged.
      const another = newPassword();
      passwords.push(another);
      expect(
        (await rotated('POST', '/api/v1/trunks', extraToken, { ...full(another), host: '2001:db8::1' })).status,
      ).toBe(201);
      expect((await rotated('POST', '/api/v1/trunks', extraToken, { ...full(another), port: 0 })).status).toBe(422);
      expect((await rotated('POST', '/api/v1/trunks', extraToken, { ...full(another), host: 'a b' })).status).toBe(422);
      expect((await rotated('PATCH', `/api/v1/trunks/${trunk.id}`, extraToken, { password: another })).status).toBe(
        200,
      );
      expect((await rotated<TrunkPage>('GET', '/api/v1/trunks', extraToken)).status).toBe(200);
      const tested = await rotated('POST', `/api/v1/trunks/${trunk.id}/test`, extraToken);
      expect(tested.json).toMatchObject({ reachable: false, error: NO_SIP_ANSWER });
      // The log reaches its file through a pipe: wait for the last line; stop() deletes the file.
      await waitFor(() => readFileSync(extra.logFile, 'utf8').includes('"trunk tested"'), 5000, 'the log line');
      log = readFileSync(extra.logFile, 'utf8');
    } finally {
      await extra.stop();
    }
    expect(log).toContain(`"url":"/api/v1/trunks/`);
    const mainLog = readFileSync(`${readStack().logsDir}/api.log`, 'utf8');
    for (const text of [log, mainLog]) {
      expect(text).not.toContain(PASSWORD_MARK);
      for (const password of passwords) expect(text).not.toContain(password);
    }
  });
});
