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
import {
  deleteSigningKeys,
  insertAuthKey,
  lockAuthKeys,
  selectAuthKeys,
  signingKeyAges,
  updateAuthKeyMaterial,
} from '../db/auth-keys.js';
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

/** Inserts a new key of `kind`, sealed; returns its row. Call inside a transaction holding the keys' lock (`lockAuthKeys`). */
export async function insertKey(client: PoolClient, secrets: SecretBox, kind: AuthKeyKind): Promise<KeyRow> {
  const material = GENERATORS[kind]();
  const id = typeof material.kid === 'string' ? material.kid : `${kind}-${randomUUID()}`;
  await insertAuthKey(client, id, kind, secrets.seal(JSON.stringify(material), authKeyContext(id)));
  return { id, kind, material };
}

/**
 * Every key row, newest first, opened. Plaintext rows are sealed in place. Throws
 * `SecretBoxError` when a row was sealed with a key that is no longer configured.
 */
export async function readKeys(client: PoolClient, secrets: SecretBox): Promise<KeyRow[]> {
  const opened: KeyRow[] = [];
  for (const row of await selectAuthKeys(client)) {
    let text = row.material;
    if (isSealedMaterial(text)) {
      text = secrets.open(text, authKeyContext(row.id));
    } else {
      await updateAuthKeyMaterial(client, row.id, secrets.seal(text, authKeyContext(row.id)));
    }
    opened.push({ id: row.id, kind: row.kind, material: JSON.parse(text) as Record<string, unknown> });
  }
  return opened;
}

export async function loadOrCreateKeys(pool: Pool, secrets: SecretBox): Promise<KeyMaterial> {
  return inTransaction(pool, async (client) => {
    await lockAuthKeys(client);
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
    await lockAuthKeys(client);
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
    await lockAuthKeys(client);
    const [newest, ...older] = await signingKeyAges(client);
    if (!newest || older.length === 0) return [];
    if (newest.age < minAgeSeconds) {
      throw new Error(
        `the newest signing key ${newest.id} is ${Math.floor(newest.age)} s old; retire the older ones once it is ` +
          `${minAgeSeconds} s old (the access-token lifetime) and every API has restarted since it was made`,
      );
    }
    const ids = older.map((r) => r.id);
    await deleteSigningKeys(client, ids);
    return ids;
  });
}
