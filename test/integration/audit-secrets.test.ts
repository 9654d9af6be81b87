/**
 * The audit log never holds a secret: every secret field of every resource is sent (trunk
 * passwords, user passwords, the own-password change, and the secrets the server hands out:
 * machine-client and webhook secrets, tokens), in successful, refused and denied requests,
 * and then the whole audit table, the audit API and the API's log are searched for each.
 * Also: a failed audit write is logged, not silent; the address follows TRUST_PROXY.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { adminToken, call, createUser, login, postForm } from '../support/api';
import { auditEntries, type AuditBody } from '../support/audit';
import { json } from '../support/campaigns';
import { startExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';
import { contractSecrets } from '../../api/audit/redact';

let db: Pool;
beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
});
afterAll(async () => {
  await db?.end();
});

const MARK = `audit-secret-${randomUUID().slice(0, 8)}-`;
const secret = (n: number) => `${MARK}${n}-${randomUUID()}`;
const trunkBody = { name: `s-${randomUUID().slice(0, 8)}`, host: '127.0.0.1', callerIdNumber: '+4930999999' };

/** The secret fields this file sends, by operation: every one the served contract marks. */
const SENT_SECRETS = {
  'POST /api/v1/trunks': ['password'],
  'PATCH /api/v1/trunks/{id}': ['password'],
  'POST /api/v1/users': ['password'],
  'PATCH /api/v1/users/{id}': ['password'],
  'POST /api/v1/me/password': ['currentPassword', 'newPassword'],
};

test('this file sends every secret field the contract marks (a new one must be added here)', async () => {
  const served = contractSecrets((await (await fetch(`${readStack().apiUrl}/openapi.json`)).json()) as object);
  expect(Object.fromEntries([...served].map(([route, names]) => [route, [...names].sort()]))).toEqual(SENT_SECRETS);
});

test('no secret sent or handed out reaches the audit table, the audit API or the log', async () => {
  const admin = await adminToken();
  const user = await createUser();
  const { access_token: token, refresh_token: refresh } = await login(user.username, user.password);
  const sent: string[] = [token, admin, refresh ?? '', user.password];

  // Trunk passwords: set, replaced, cleared, and in a refused request.
  const [p1, p2, p3] = [secret(1), secret(2), secret(3)];
  sent.push(p1, p2, p3);
  const trunk = await json<{ id: string }>(
    await call('POST', '/api/v1/trunks', { token, body: { ...trunkBody, password: p1 } }),
    201,
  );
  await json(await call('PATCH', `/api/v1/trunks/${trunk.id}`, { token, body: { password: p2 } }), 200);
  await json(await call('PATCH', `/api/v1/trunks/${trunk.id}`, { token, body: { password: null } }), 200);
  const refused = await call('POST', '/api/v1/trunks', { token, body: { ...trunkBody, port: 0, password: p3 } });
  expect(refused.status).toBe(422);

  // User passwords: created, reset by an administrator, changed by the user; a denied create.
  const [u1, u2, u3, u4] = [secret(4), secret(5), secret(6), secret(7)];
  sent.push(u1, u2, u3, u4);
  const other = await json<{ id: string; username: string }>(
    await call('POST', '/api/v1/users', {
      token: admin,
      body: { username: `s-${randomUUID().slice(0, 8)}`, password: u1 },
    }),
    201,
  );
  await json(await call('PATCH', `/api/v1/users/${other.id}`, { token: admin, body: { password: u2 } }), 200);
  const otherToken = (await login(other.username, u2)).access_token;
  sent.push(otherToken);
  const changed = await call('POST', '/api/v1/me/password', {
    token: otherToken,
    body: { currentPassword: u2, newPassword: u3 },
  });
  expect(changed.status).toBe(204);
  const denied = await call('POST', '/api/v1/users', { token, body: { username: 'nope-nope', password: u4 } });
  expect(denied.status).toBe(403);

  // Secrets the server hands out: machine-client and webhook secrets, and a client's token.
  const client = await json<{ id: string; clientSecret: string }>(
    await call('POST', '/api/v1/clients', { token: admin, body: { name: 'leak check' } }),
    201,
  );
  const rotated = await json<{ clientSecret: string }>(
    await call('POST', `/api/v1/clients/${client.id}/rotate-secret`, { token: admin }),
    200,
  );
  const basic = Buffer.from(`${client.id}:${rotated.clientSecret}`).toString('base64');
  const clientToken = await json<{ access_token: string }>(
    await postForm(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'api' },
      { authorization: `Basic ${basic}` },
    ),
    200,
  );
  const hook = await json<{ id: string; secret: string }>(
    await call('POST', '/api/v1/webhooks', {
      token: clientToken.access_token,
      body: { url: 'https://hooks.example.com/s' },
    }),
    201,
  );
  // Another owner's webhook: 404, recorded as rejected, and no secret handed out.
  expect((await call('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`, { token })).status).toBe(404);
  const hookSecret2 = await json<{ secret: string }>(
    await call('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`, { token: admin }),
    200,
  );
  sent.push(client.clientSecret, rotated.clientSecret, clientToken.access_token, hook.secret, hookSecret2.secret);

  // Every column of every row, as PostgreSQL has it.
  const { rows } = await db.query<{ row: string }>('SELECT row_to_json(a)::text AS row FROM audit_entry a');
  const table = rows.map((r) => r.row).join('\n');
  const api = JSON.stringify(await auditEntries(admin, { from: new Date(Date.now() - 300_000).toISOString() }));
  const log = readFileSync(`${readStack().logsDir}/api.log`, 'utf8');
  expect(sent.every((s) => s.length >= 12)).toBe(true);
  for (const value of sent) {
    expect([value.slice(0, 16), table.includes(value)]).toEqual([value.slice(0, 16), false]);
    expect([value.slice(0, 16), api.includes(value)]).toEqual([value.slice(0, 16), false]);
  }
  expect(table).not.toContain(MARK);
  expect(log).not.toContain(MARK);

  // …while what was done is there, the secrets' places marked.
  const mine = await auditEntries(token);
  const trunkChanges = mine.filter((e) => e.targetId === trunk.id).map((e) => [e.action, e.changes]);
  expect(trunkChanges).toEqual([
    ['trunk.update', { password: null }],
    ['trunk.update', { password: '[redacted]' }],
    ['trunk.create', { ...trunkBody, password: '[redacted]' }],
  ]);
  const theirs = await auditEntries(admin, { targetId: other.id });
  expect(theirs.map((e: AuditBody) => [e.action, e.changes])).toEqual([
    ['user.change_password', { currentPassword: '[redacted]', newPassword: '[redacted]' }],
    ['user.update', { password: '[redacted]' }],
    ['user.create', { username: other.username, password: '[redacted]' }],
  ]);
});

test('an audit row that cannot be written is logged at error level; the change still answers', async () => {
  const user = await createUser();
  const { access_token: token } = await login(user.username, user.password);
  const password = secret(99);
  // Refuse this user's rows only, so the rest of the suite is not disturbed.
  const name = `audit_refuse_${user.id.replaceAll('-', '').slice(0, 12)}`;
  await db.query(`ALTER TABLE audit_entry ADD CONSTRAINT ${name} CHECK (actor_user_id <> '${user.id}') NOT VALID`);
  try {
    const res = await call('POST', '/api/v1/trunks', { token, body: { ...trunkBody, password } });
    expect(res.status).toBe(201);
  } finally {
    await db.query(`ALTER TABLE audit_entry DROP CONSTRAINT ${name}`);
  }
  expect(await auditEntries(token)).toEqual([]);
  const lines = readFileSync(`${readStack().logsDir}/api.log`, 'utf8')
    .split('\n')
    .filter((line) => line.includes('audit entry not written') && line.includes(user.id));
  expect(lines).toHaveLength(1);
  const logged = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  expect(logged).toMatchObject({ level: 50, action: 'trunk.create', status: 201, actorUserId: user.id });
  expect(lines[0]).not.toContain(password);
  expect(lines[0]).not.toContain(MARK);
});

async function insertAged(actorUserId: string, daysAgo: number): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO audit_entry (id, created_at, action, route, target_type, actor_user_id, actor_username, actor_role,
       status, outcome)
     VALUES (gen_random_uuid(), now() - make_interval(days => $2), 'trunk.delete', 'DELETE /api/v1/trunks/{id}',
       'trunk', $1, 'aged', 'user', 204, 'success') RETURNING id`,
    [actorUserId, daysAgo],
  );
  return rows[0]?.id ?? '';
}

test('the address follows TRUST_PROXY; AUDIT_RETENTION_DAYS deletes older entries', async () => {
  const headers = { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' };
  const user = await createUser();
  const { access_token: token } = await login(user.username, user.password);
  await json(await call('POST', '/api/v1/blocklist', { token, body: { phone: '+4930555666' }, headers }), 201);
  const [direct] = await auditEntries(token);
  expect(direct?.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);

  const aged = randomUUID();
  const [old, recent] = [await insertAged(aged, 3), await insertAged(aged, 1)];
  const extra = await startExtraApi({ TRUST_PROXY: 'true', AUDIT_RETENTION_DAYS: '2', LOG_LEVEL: 'info' });
  try {
    const extraToken = (await login(user.username, user.password, extra.url)).access_token;
    const res = await fetch(`${extra.url}/api/v1/blocklist`, {
      method: 'POST',
      headers: { authorization: `Bearer ${extraToken}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ phone: '+4930555777' }),
    });
    expect(res.status).toBe(201);
    // The start-up sweep: the entry of 3 days ago goes, the one of yesterday stays.
    const remaining = async () =>
      (await db.query<{ id: string }>('SELECT id FROM audit_entry WHERE actor_user_id = $1', [aged])).rows.map(
        (r) => r.id,
      );
    for (let i = 0; i < 50 && (await remaining()).includes(old); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await remaining()).toEqual([recent]);
    expect(readFileSync(extra.logFile, 'utf8')).toContain('old audit entries deleted');
  } finally {
    await extra.stop();
  }
  const [viaProxy] = await auditEntries(token);
  expect(viaProxy?.ip).toBe('203.0.113.9');
});
