/**
 * `auth_key`: the API's signing, cookie and client-secret keys (auth/keys.ts makes and seals
 * them). Every statement but the first runs inside a transaction that holds
 * {@link lockAuthKeys}, so concurrent first starts, rotations and the keys CLI agree on one set.
 */
import type { PoolClient } from './sql.js';

/** Serialises key creation, sealing and rotation across API replicas and the keys CLI. */
export const KEY_LOCK_ID = 0x6b657973; // "keys"

/** Takes the keys' transaction-scoped advisory lock. */
export async function lockAuthKeys(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
}

/** Every key row, newest first, the material as stored (sealed, or plaintext JSON from older versions). */
export async function selectAuthKeys(client: PoolClient): Promise<{ id: string; kind: string; material: string }[]> {
  const { rows } = await client.query<{ id: string; kind: string; material: string }>(
    'SELECT id, kind, material FROM auth_key ORDER BY created_at DESC, id',
  );
  return rows;
}

export async function insertAuthKey(client: PoolClient, id: string, kind: string, sealed: string): Promise<void> {
  await client.query('INSERT INTO auth_key (id, kind, material, created_at) VALUES ($1, $2, $3, clock_timestamp())', [
    id,
    kind,
    sealed,
  ]);
}

export async function updateAuthKeyMaterial(client: PoolClient, id: string, sealed: string): Promise<void> {
  await client.query('UPDATE auth_key SET material = $2 WHERE id = $1', [id, sealed]);
}

/** The signing keys, newest first, with their age in seconds. */
export async function signingKeyAges(client: PoolClient): Promise<{ id: string; age: number }[]> {
  const { rows } = await client.query<{ id: string; age: number }>(
    `SELECT id, extract(epoch FROM now() - created_at)::float8 AS age FROM auth_key
     WHERE kind = 'signing' ORDER BY created_at DESC, id`,
  );
  return rows;
}

export async function deleteSigningKeys(client: PoolClient, ids: readonly string[]): Promise<void> {
  await client.query("DELETE FROM auth_key WHERE kind = 'signing' AND id = ANY($1)", [ids]);
}
