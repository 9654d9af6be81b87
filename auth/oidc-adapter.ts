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
 * The SQL is in db/oidc-payload.ts. `consume` is atomic (F31): of concurrent refreshes with one refresh token, exactly one
 * consumes it; the others are a reuse, answered `invalid_grant` with the grant revoked, as
 * a sequential reuse is.
 */
import { createHash } from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { activeMachineClient } from '../db/auth-accounts.js';
import {
  consumePayload,
  deleteModelOfGrant,
  deletePayload,
  findPayload,
  payloadGrantId,
  revokeGrant,
  upsertPayload,
  type PayloadKey,
} from '../db/oidc-payload.js';
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
      await upsertPayload(pool, this.model, this.key(id), payload, expiresIn ?? 0);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return findMachineClient(pool, clientSecretKey, id);
      const payload = await this.findWhere('id', this.key(id));
      return payload && this.hashed ? { ...payload, jti: id } : payload;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('user_code', userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('uid', uid);
    }

    async consume(id: string): Promise<void> {
      const key = this.key(id);
      if (await consumePayload(pool, this.model, key)) return;
      // Consumed (or revoked) by a concurrent request since oidc-provider read it: a reuse.
      const grantId = await payloadGrantId(pool, this.model, key);
      if (grantId) await revokeGrant(pool, grantId);
      throw new errors.InvalidGrant(`${this.model === 'RefreshToken' ? 'refresh token' : 'token'} already used`);
    }

    async destroy(id: string): Promise<void> {
      await deletePayload(pool, this.model, this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await deleteModelOfGrant(pool, this.model, grantId);
    }

    private async findWhere(key: PayloadKey, value: string): Promise<AdapterPayload | undefined> {
      const row = await findPayload(pool, this.model, key, value);
      if (!row) return undefined;
      return row.consumed === null ? row.payload : { ...row.payload, consumed: Number(row.consumed) };
    }
  };
}

async function findMachineClient(pool: Pool, key: Buffer, id: string): Promise<AdapterPayload | undefined> {
  const client = await activeMachineClient(pool, id);
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
