/**
 * `oidc_payload`: oidc-provider's storage (auth/oidc-adapter.ts), and the revocations the
 * API makes in it (a disabled user, a login that raced a password change). Plain SQL on the
 * pool: the adapter's rows are no entities of the identity map, and `consume` is one
 * conditional UPDATE so that of concurrent refreshes exactly one wins.
 */
import type { AdapterPayload } from 'oidc-provider';
import type { Pool } from './sql.js';

/** One stored payload; `consumed` in epoch seconds (a number: the pool's parsers give timestamps as strings). */
export interface PayloadRow {
  payload: AdapterPayload;
  consumed: string | null;
}

/** The stored row of `model`/`id`, written or replaced; `expiresIn` seconds from now (0: never). */
export async function upsertPayload(
  pool: Pool,
  model: string,
  id: string,
  payload: AdapterPayload,
  expiresIn: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO oidc_payload (model, id, payload, grant_id, user_code, uid, account_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::int > 0 THEN now() + make_interval(secs => $8::int) END)
     ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
       user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, account_id = EXCLUDED.account_id,
       expires_at = EXCLUDED.expires_at`,
    [
      model,
      id,
      payload,
      payload.grantId ?? null,
      payload.userCode ?? null,
      payload.uid ?? null,
      payload.accountId ?? null,
      Math.max(0, Math.floor(expiresIn)),
    ],
  );
}

/** The columns a payload may be found by. */
export type PayloadKey = 'id' | 'user_code' | 'uid';

/** The unexpired payload of `model` whose `key` column is `value`. */
export async function findPayload(
  pool: Pool,
  model: string,
  key: PayloadKey,
  value: string,
): Promise<PayloadRow | undefined> {
  const { rows } = await pool.query<PayloadRow>(
    `SELECT payload, floor(extract(epoch FROM consumed_at))::bigint AS consumed FROM oidc_payload
     WHERE model = $1 AND ${key} = $2 AND (expires_at IS NULL OR expires_at > now())`,
    [model, value],
  );
  return rows[0];
}

/**
 * Marks the row consumed; true when this call did it. Under READ COMMITTED a concurrent
 * UPDATE waits for the row, then re-checks the condition on the committed version: exactly
 * one request consumes the token.
 */
export async function consumePayload(pool: Pool, model: string, id: string): Promise<boolean> {
  const consumed = await pool.query(
    'UPDATE oidc_payload SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL',
    [model, id],
  );
  return consumed.rowCount === 1;
}

export async function payloadGrantId(pool: Pool, model: string, id: string): Promise<string | null | undefined> {
  const { rows } = await pool.query<{ grant_id: string | null }>(
    'SELECT grant_id FROM oidc_payload WHERE model = $1 AND id = $2',
    [model, id],
  );
  return rows[0]?.grant_id;
}

export async function deletePayload(pool: Pool, model: string, id: string): Promise<void> {
  await pool.query('DELETE FROM oidc_payload WHERE model = $1 AND id = $2', [model, id]);
}

/** Deletes the rows of one model issued under a grant (oidc-provider's `revokeByGrantId`). */
export async function deleteModelOfGrant(pool: Pool, model: string, grantId: string): Promise<void> {
  await pool.query('DELETE FROM oidc_payload WHERE model = $1 AND grant_id = $2', [model, grantId]);
}

/** Deletes a grant and every token of it, of every model. */
export async function revokeGrant(pool: Pool, grantId: string): Promise<void> {
  await pool.query("DELETE FROM oidc_payload WHERE grant_id = $1 OR (model = 'Grant' AND id = $1)", [grantId]);
}

/** Deletes a just-issued grant's row and its tokens (a login that raced a password change). */
export async function revokeNewGrant(pool: Pool, grantId: string): Promise<void> {
  await pool.query('DELETE FROM oidc_payload WHERE id = $1 OR grant_id = $1', [grantId]);
}

/** Revokes every grant and refresh token of an account (used when a user is disabled). */
export async function revokeAccount(pool: Pool, accountId: string): Promise<void> {
  await pool.query('DELETE FROM oidc_payload WHERE account_id = $1', [accountId]);
}

/** Deletes expired rows; run periodically by the API. */
export async function purgeExpiredPayloads(pool: Pool): Promise<number> {
  const result = await pool.query('DELETE FROM oidc_payload WHERE expires_at < now()');
  return result.rowCount ?? 0;
}
