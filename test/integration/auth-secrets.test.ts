/**
 * F17: a read of the database (or a backup) yields no usable key or token. The auth keys
 * are sealed with ENCRYPTION_KEYS; refresh tokens are stored under their sha256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { authKeyContext, loadOrCreateKeys } from '../../auth/keys';
import { HASH_TOKEN_IDS_SQL } from '../../db/migrations/migration-20261206164700-sealed-auth-secrets';
import { parseConfig } from '../../lib/config';
import { SecretBox, SecretBoxError } from '../../lib/secret-box';
import { call, createUser, login, postForm } from '../support/api';
import { createScratchDb, type ScratchDb } from '../support/scratch-db';
import { readStack } from '../support/stack';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const box = () => new SecretBox(parseConfig(readStack().env).encryptionKeys);

let pool: Pool;
beforeAll(() => {
  pool = new Pool({ connectionString: readStack().databaseUrl, max: 1 });
});
afterAll(async () => {
  await pool.end();
});

describe('auth_key material', () => {
  it('is sealed in the running stack: no "d", opens only with the configured keys', async () => {
    const { rows } = await pool.query<{ id: string; kind: string; material: string }>(
      'SELECT id, kind, material FROM auth_key',
    );
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['signing', 'cookie', 'client-secret']));
    const impostor = new SecretBox([{ id: 'dev1', key: randomBytes(32) }]);
    for (const row of rows) {
      expect(row.material).toMatch(/^v1\.dev1\./);
      expect(row.material).not.toContain('"d"');
      expect(row.material).not.toContain('secret');
      const opened = JSON.parse(box().open(row.material, authKeyContext(row.id))) as Record<string, unknown>;
      expect(opened).toHaveProperty(row.kind === 'signing' ? 'd' : 'secret');
      expect(() => impostor.open(row.material, authKeyContext(row.id))).toThrow(SecretBoxError);
      // Bound to its row: another row's context does not open it.
      expect(() => box().open(row.material, authKeyContext(`${row.id}x`))).toThrow(SecretBoxError);
    }
  });

  describe('on a database of its own', () => {
    let scratch: ScratchDb;
    beforeEach(async () => {
      scratch = await createScratchDb();
      // The table as the migration leaves it.
      await scratch.pool.query(
        'CREATE TABLE auth_key (id varchar(64) PRIMARY KEY, kind varchar(32) NOT NULL, material text NOT NULL, created_at timestamptz NOT NULL)',
      );
    });
    afterEach(async () => {
      await scratch.drop();
    });

    it('creates every key sealed, and loads the same keys again', async () => {
      const first = await loadOrCreateKeys(scratch.pool, box());
      const { rows } = await scratch.pool.query<{ material: string }>('SELECT material FROM auth_key');
      expect(rows).toHaveLength(3);
      for (const { material } of rows) expect(material).not.toMatch(/"d"|"secret"/);
      const again = await loadOrCreateKeys(scratch.pool, box());
      expect(again).toEqual(first);
      expect(first.signingKeys[0]).toHaveProperty('d');
    });

    it('seals a plaintext row of an older version in place on load', async () => {
      const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'private-part', kid: 'old-kid', alg: 'ES256' };
      // As `material::text` turns the old jsonb column into text.
      await scratch.pool.query(
        "INSERT INTO auth_key VALUES ('old-kid', 'signing', $1::jsonb::text, now()), ('cookie-1', 'cookie', $2::jsonb::text, now())",
        [JSON.stringify(jwk), JSON.stringify({ secret: 'cookie-secret' })],
      );
      const keys = await loadOrCreateKeys(scratch.pool, box());
      expect(keys.signingKeys.map((k) => k.d)).toEqual(['private-part']);
      expect(keys.cookieKeys).toEqual(['cookie-secret']);
      const { rows } = await scratch.pool.query<{ id: string; material: string }>('SELECT id, material FROM auth_key');
      expect(rows).toHaveLength(3); // the missing client-secret key is made
      for (const row of rows) {
        expect(row.material).toMatch(/^v1\.dev1\./);
        expect(row.material).not.toMatch(/private-part|cookie-secret|"d"/);
      }
      const old = rows.find((r) => r.id === 'old-kid')!;
      expect(JSON.parse(box().open(old.material, authKeyContext('old-kid')))).toEqual(jwk);
    });

    it('refuses to start on keys sealed with a key no longer configured', async () => {
      await loadOrCreateKeys(scratch.pool, box());
      const other = new SecretBox([{ id: 'k9', key: randomBytes(32) }]);
      await expect(loadOrCreateKeys(scratch.pool, other)).rejects.toThrow(SecretBoxError);
      // Nothing was replaced: the right keys still open every row.
      expect((await scratch.pool.query('SELECT 1 FROM auth_key')).rowCount).toBe(3);
      await expect(loadOrCreateKeys(scratch.pool, box())).resolves.toBeDefined();
    });
  });
});

describe('oidc_payload', () => {
  const refresh = (token: string) =>
    postForm('/oauth/token', { grant_type: 'refresh_token', refresh_token: token, client_id: 'voicecast' });
  const storedRefreshIds = async () =>
    (await pool.query<{ id: string }>("SELECT id FROM oidc_payload WHERE model = 'RefreshToken'")).rows.map(
      (r) => r.id,
    );

  it('stores refresh tokens under their sha256 only; refresh still works', async () => {
    const user = await createUser();
    const first = await login(user.username, user.password);
    const token = first.refresh_token!;
    const res = await refresh(token);
    expect(res.status).toBe(200);
    const second = (await res.json()) as { access_token: string; refresh_token: string };
    expect((await call('GET', '/api/v1/me', { token: second.access_token })).status).toBe(200);

    const ids = await storedRefreshIds();
    for (const issued of [token, second.refresh_token]) {
      expect(ids).not.toContain(issued);
      expect(ids).toContain(sha256(issued));
    }
    const { rows } = await pool.query<{ text: string }>('SELECT payload::text AS text FROM oidc_payload');
    for (const { text } of rows) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(second.refresh_token);
    }
    // The stored id itself is no refresh token.
    const stolen = await refresh(sha256(second.refresh_token));
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });
    // Revocation finds the hashed row too.
    const revoked = await postForm('/oauth/token/revocation', {
      token: second.refresh_token,
      token_type_hint: 'refresh_token',
      client_id: 'voicecast',
    });
    expect(revoked.status).toBe(200);
    expect(await storedRefreshIds()).not.toContain(sha256(second.refresh_token));
  });

  it('the migration hashes rows stored raw by an older version, which then still refresh', async () => {
    const user = await createUser();
    const { refresh_token: token } = await login(user.username, user.password);
    // Back to how an older version stored it: the token as id and as jti.
    await pool.query(
      `UPDATE oidc_payload SET id = $1::text, payload = payload || jsonb_build_object('jti', $1::text)
       WHERE model = 'RefreshToken' AND id = $2`,
      [token, sha256(token!)],
    );
    expect(await storedRefreshIds()).toContain(token);
    const before = await storedRefreshIds();
    await pool.query(HASH_TOKEN_IDS_SQL);
    const after = await storedRefreshIds();
    expect(after).not.toContain(token);
    expect(after).toContain(sha256(token!));
    // Already-hashed rows are left alone (the statement is idempotent).
    expect(after.sort()).toEqual(before.map((id) => (id === token ? sha256(token) : id)).sort());
    expect((await refresh(token!)).status).toBe(200);
  });
});
