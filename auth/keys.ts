/**
 * Key material generated on first start and persisted in `auth_key`, so every API replica
 * and every restart uses the same keys. An advisory lock makes concurrent first starts
 * agree on one set.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import type { Pool } from '../db/sql.js';
import { inTransaction } from '../db/sql.js';

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

const KEY_LOCK_ID = 0x6b657973; // "keys"

function newSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

const GENERATORS: Record<string, () => Record<string, unknown>> = {
  signing: () => ({ ...newSigningKey() }),
  cookie: () => ({ secret: randomBytes(32).toString('base64url') }),
  'client-secret': () => ({ secret: randomBytes(32).toString('base64url') }),
};

export async function loadOrCreateKeys(pool: Pool): Promise<KeyMaterial> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
    const { rows } = await client.query<{ id: string; kind: string; material: Record<string, unknown> }>(
      'SELECT id, kind, material FROM auth_key ORDER BY created_at DESC',
    );
    for (const [kind, generate] of Object.entries(GENERATORS)) {
      if (rows.some((r) => r.kind === kind)) continue;
      const material = generate();
      const id = typeof material.kid === 'string' ? material.kid : `${kind}-${randomUUID()}`;
      await client.query('INSERT INTO auth_key (id, kind, material, created_at) VALUES ($1, $2, $3, now())', [
        id,
        kind,
        material,
      ]);
      rows.push({ id, kind, material });
    }
    const of = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => r.material);
    return {
      signingKeys: of('signing') as unknown as SigningJwk[],
      cookieKeys: of('cookie').map((m) => String(m.secret)),
      clientSecretKey: Buffer.from(String(of('client-secret')[0]?.secret), 'base64url'),
    };
  });
}
