/**
 * oidc-provider storage in PostgreSQL (`oidc_payload`), so grants and refresh tokens
 * survive restarts and are shared by API replicas. JWT access tokens are never stored
 * (oidc-provider does not persist structured tokens); revoking a refresh token destroys
 * its Grant, which the API checks on every request (see token-verifier.ts).
 *
 * The `Client` model is special: machine clients live in `oauth_client` and are turned
 * into client metadata here, with their derived secret.
 *
 * Bearer tokens (refresh tokens above all) are stored under sha256(token) in hex, and
 * without the `jti` in their payload, which is the token itself (F17): a read of the table
 * yields no usable token. The value presented by a client is hashed to find its row, and
 * the `jti` restored from it.
 *
 * `consume` is atomic (F31): of concurrent refreshes with one refresh token, exactly one
 * consumes it; the others are a reuse, answered `invalid_grant` with the grant revoked, as
 * a sequential reuse is.
 */
import { createHash } from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Pool } from '../db/sql.js';
import { deriveClientSecret } from './client-secrets.js';

/**
 * The models whose id is a bearer token. Grants, sessions and interactions keep their ids:
 * the token verifier looks grants up by the `gid` claim, and none of them is a credential.
 * The migration 20261206164700 hashes existing rows of the same models.
 */
export const HASHED_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'BackchannelAuthenticationRequest',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'PushedAuthorizationRequest',
]);

/** The stored id of a token: sha256 of its value, hex. */
export const tokenDigest = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

interface Row {
  payload: AdapterPayload;
  /** Epoch seconds (selected as a number: MikroORM's pg parsers return timestamps as strings). */
  consumed: string | null;
}

export function createAdapterClass(pool: Pool, clientSecretKey: Buffer): new (model: string) => Adapter {
  return class PostgresAdapter implements Adapter {
    private readonly hashed: boolean;

    constructor(private readonly model: string) {
      this.hashed = HASHED_MODELS.has(model);
    }

    /** The row id under which the entity called `id` by oidc-provider is stored. */
    private key(id: string): string {
      return this.hashed ? tokenDigest(id) : id;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.hashed) {
        const { jti: _jti, ...rest } = payload;
        payload = rest;
      }
      await pool.query(
        `INSERT INTO oidc_payload (model, id, payload, grant_id, user_code, uid, account_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::int > 0 THEN now() + make_interval(secs => $8::int) END)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
           user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, account_id = EXCLUDED.account_id,
           expires_at = EXCLUDED.expires_at`,
        [
          this.model,
          this.key(id),
          payload,
          payload.grantId ?? null,
          payload.userCode ?? null,
          payload.uid ?? null,
          payload.accountId ?? null,
          Math.max(0, Math.floor(expiresIn ?? 0)),
        ],
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return findMachineClient(pool, clientSecretKey, id);
      const payload = await this.findWhere('id = $2', this.key(id));
      return payload && this.hashed ? { ...payload, jti: id } : payload;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('user_code = $2', userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('uid = $2', uid);
    }

    async consume(id: string): Promise<void> {
      const key = this.key(id);
      // Under READ COMMITTED a concurrent UPDATE waits for the row, then re-checks the
      // condition on the committed version: exactly one request consumes the token.
      const consumed = await pool.query(
        'UPDATE oidc_payload SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL',
        [this.model, key],
      );
      if (consumed.rowCount === 1) return;
      // Consumed (or revoked) by a concurrent request since oidc-provider read it: a reuse.
      const { rows } = await pool.query<{ grant_id: string | null }>(
        'SELECT grant_id FROM oidc_payload WHERE model = $1 AND id = $2',
        [this.model, key],
      );
      const grantId = rows[0]?.grant_id;
      if (grantId) await revokeGrant(pool, grantId);
      throw new errors.InvalidGrant(`${this.model === 'RefreshToken' ? 'refresh token' : 'token'} already used`);
    }

    async destroy(id: string): Promise<void> {
      await pool.query('DELETE FROM oidc_payload WHERE model = $1 AND id = $2', [this.model, this.key(id)]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await pool.query('DELETE FROM oidc_payload WHERE model = $1 AND grant_id = $2', [this.model, grantId]);
    }

    private async findWhere(condition: string, value: string): Promise<AdapterPayload | undefined> {
      const { rows } = await pool.query<Row>(
        `SELECT payload, floor(extract(epoch FROM consumed_at))::bigint AS consumed FROM oidc_payload
         WHERE model = $1 AND ${condition} AND (expires_at IS NULL OR expires_at > now())`,
        [this.model, value],
      );
      const row = rows[0];
      if (!row) return undefined;
      return row.consumed === null ? row.payload : { ...row.payload, consumed: Number(row.consumed) };
    }
  };
}

async function findMachineClient(pool: Pool, key: Buffer, id: string): Promise<AdapterPayload | undefined> {
  const { rows } = await pool.query<{ id: string; secret_version: number }>(
    `SELECT c.id, c.secret_version FROM oauth_client c JOIN "user" u ON u.id = c.owner_id
     WHERE c.id = $1 AND NOT c.disabled AND NOT u.disabled`,
    [id],
  );
  const client = rows[0];
  if (!client) return undefined;
  return {
    client_id: client.id,
    client_secret: deriveClientSecret(key, client.id, client.secret_version),
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

/** Deletes expired rows; run periodically by the API. */
export async function purgeExpiredPayloads(pool: Pool): Promise<number> {
  const result = await pool.query('DELETE FROM oidc_payload WHERE expires_at < now()');
  return result.rowCount ?? 0;
}

/** Deletes a grant and every token of it, of every model. */
async function revokeGrant(pool: Pool, grantId: string): Promise<void> {
  await pool.query("DELETE FROM oidc_payload WHERE grant_id = $1 OR (model = 'Grant' AND id = $1)", [grantId]);
}

/** Revokes every grant and refresh token of an account (used when a user is disabled). */
export async function revokeAccount(pool: Pool, accountId: string): Promise<void> {
  await pool.query('DELETE FROM oidc_payload WHERE account_id = $1', [accountId]);
}
