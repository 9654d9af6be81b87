/**
 * Signs JWTs for negative tests (expired, wrong audience, forged key, alg none). Uses only
 * node:crypto; the token under test is then sent to the real API.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { Pool } from 'pg';
import { authKeyContext } from '../../auth/keys';
import { parseConfig } from '../../lib/config';
import { SecretBox } from '../../lib/secret-box';
import { readStack } from './stack';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signEs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`;
}

/**
 * The API's real signing key, read from its database and opened with the stack's
 * ENCRYPTION_KEYS: lets a test mint tokens that differ in one claim only.
 */
export async function realSigningKey(databaseUrl: string): Promise<{ key: KeyObject; kid: string }> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ id: string; material: string }>(
      "SELECT id, material FROM auth_key WHERE kind = 'signing' ORDER BY created_at DESC LIMIT 1",
    );
    const row = rows[0];
    if (!row) throw new Error('no signing key in auth_key');
    const box = new SecretBox(parseConfig(readStack().env).encryptionKeys);
    const jwk = JSON.parse(box.open(row.material, authKeyContext(row.id))) as Record<string, string>;
    return { key: createPrivateKey({ key: jwk, format: 'jwk' }), kid: String(jwk.kid) };
  } finally {
    await pool.end();
  }
}
