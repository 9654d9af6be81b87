/**
 * Key material generated on first start and persisted in `auth_key`, so every API replica
 * and every restart uses the same keys. An advisory lock makes concurrent first starts
 * agree on one set.
 *
 * The material is sealed with the SecretBox (`ENCRYPTION_KEYS`) for the context
 * `auth_key:<id>:material` (F17): a database read or a backup alone yields no signing key,
 * cookie key or client-secret key. Rows written in plaintext by older versions are sealed
 * here, under the lock, the first time they are loaded.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import type { Pool, PoolClient } from '../db/sql.js';
import { inTransaction } from '../db/sql.js';
import type { SecretBox } from '../lib/secret-box.js';

export interface SigningJwk extends JsonWebKey {
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface KeyMaterial {
  /** Private JWKs, newest first; the first one signs. */
  readonly signingKeys: readonly SigningJwk[];
  readonly cookieKeys: readonly string[];
  /** HMAC key from which machine-client secrets are derived. */
  readonly clientSecretKey: Buffer;
}

export type AuthKeyKind = 'signing' | 'cookie' | 'client-secret';

/** Serialises key creation, sealing and rotation across API replicas and the keys CLI. */
export const KEY_LOCK_ID = 0x6b657973; // "keys"

/** The GCM associated data of a row's sealed material: bound to its row. */
export const authKeyContext = (id: string): string => `auth_key:${id}:material`;

function newSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

const GENERATORS: Record<AuthKeyKind, () => Record<string, unknown>> = {
  signing: () => ({ ...newSigningKey() }),
  cookie: () => ({ secret: randomBytes(32).toString('base64url') }),
  'client-secret': () => ({ secret: randomBytes(32).toString('base64url') }),
};

/** True for material as the SecretBox writes it; older rows hold the JSON itself. */
export const isSealedMaterial = (material: string): boolean => material.startsWith('v1.');

interface KeyRow {
  id: string;
  kind: string;
  material: Record<string, unknown>;
}

/** Inserts a new key of `kind`, sealed; returns its row. Call inside a transaction holding {@link KEY_LOCK_ID}. */
export async function insertKey(client: PoolClient, secrets: SecretBox, kind: AuthKeyKind): Promise<KeyRow> {
  const material = GENERATORS[kind]();
  const id = typeof material.kid === 'string' ? material.kid : `${kind}-${randomUUID()}`;
  await client.query('INSERT INTO auth_key (id, kind, material, created_at) VALUES ($1, $2, $3, clock_timestamp())', [
    id,
    kind,
    secrets.seal(JSON.stringify(material), authKeyContext(id)),
  ]);
  return { id, kind, material };
}

/**
 * Every key row, newest first, opened. Plaintext rows are sealed in place. Throws
 * `SecretBoxError` when a row was sealed with a key that is no longer configured.
 */
export async function readKeys(client: PoolClient, secrets: SecretBox): Promise<KeyRow[]> {
  const { rows } = await client.query<{ id: string; kind: string; material: string }>(
    'SELECT id, kind, material FROM auth_key ORDER BY created_at DESC, id',
  );
  const opened: KeyRow[] = [];
  for (const row of rows) {
    let text = row.material;
    if (isSealedMaterial(text)) {
      text = secrets.open(text, authKeyContext(row.id));
    } else {
      await client.query('UPDATE auth_key SET material = $2 WHERE id = $1', [
        row.id,
        secrets.seal(text, authKeyContext(row.id)),
      ]);
    }
    opened.push({ id: row.id, kind: row.kind, material: JSON.parse(text) as Record<string, unknown> });
  }
  return opened;
}

export async function loadOrCreateKeys(pool: Pool, secrets: SecretBox): Promise<KeyMaterial> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
    const rows = await readKeys(client, secrets);
    for (const kind of Object.keys(GENERATORS) as AuthKeyKind[]) {
      if (!rows.some((r) => r.kind === kind)) rows.push(await insertKey(client, secrets, kind));
    }
    const of = (kind: AuthKeyKind) => rows.filter((r) => r.kind === kind).map((r) => r.material);
    return {
      signingKeys: of('signing') as unknown as SigningJwk[],
      cookieKeys: of('cookie').map((m) => String(m.secret)),
      clientSecretKey: Buffer.from(String(of('client-secret')[0]?.secret), 'base64url'),
    };
  });
}

/**
 * A new ES256 key becomes the newest, so every API signs with it from its next start; the
 * older ones stay in the JWKS and keep verifying tokens they signed. Returns the new kid.
 */
export async function rotateSigningKey(pool: Pool, secrets: SecretBox): Promise<string> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
    await readKeys(client, secrets); // refuses keys it cannot open, seals plaintext ones
    return (await insertKey(client, secrets, 'signing')).id;
  });
}

/**
 * Deletes every signing key but the newest, once the newest is at least `minAgeSeconds` old
 * (an access token's lifetime: tokens signed by the old keys have expired by then, given
 * every API restarted when the key was made). Returns the retired kids; throws when too early.
 */
export async function retireSigningKeys(pool: Pool, minAgeSeconds: number): Promise<string[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
    const { rows } = await client.query<{ id: string; age: number }>(
      `SELECT id, extract(epoch FROM now() - created_at)::float8 AS age FROM auth_key
       WHERE kind = 'signing' ORDER BY created_at DESC, id`,
    );
    const [newest, ...older] = rows;
    if (!newest || older.length === 0) return [];
    if (newest.age < minAgeSeconds) {
      throw new Error(
        `the newest signing key ${newest.id} is ${Math.floor(newest.age)} s old; retire the older ones once it is ` +
          `${minAgeSeconds} s old (the access-token lifetime) and every API has restarted since it was made`,
      );
    }
    const ids = older.map((r) => r.id);
    await client.query("DELETE FROM auth_key WHERE kind = 'signing' AND id = ANY($1)", [ids]);
    return ids;
  });
}
