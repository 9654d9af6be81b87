/**
 * Verifies API access tokens: ES256 signature against the provider's JWKS, `typ` at+jwt,
 * expiry, issuer and audience (jose), then the current database state — the user or
 * machine client (and its owner) must still be active and a user token's grant must still
 * exist (a revoked refresh token destroys its grant). The role comes from the database, so
 * demoting or disabling takes effect on the next request; a machine client's role is the
 * lesser of its own and its owner's.
 */
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWK } from 'jose';
import { grantedUser, machineClientWithOwner } from '../db/auth-accounts.js';
import type { Pool } from '../db/sql.js';
import { UnauthorizedError } from '../lib/errors.js';
import type { KeyMaterial } from './keys.js';
import type { Principal } from './principal.js';

export type TokenVerifier = (token: string) => Promise<Principal>;

interface VerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly keys: KeyMaterial;
  readonly pool: Pool;
}

function publicJwks(keys: KeyMaterial): { keys: JWK[] } {
  return {
    keys: keys.signingKeys.map(({ kty, crv, x, y, kid, alg, use }) => ({ kty, crv, x, y, kid, alg, use })),
  };
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const jwks = createLocalJWKSet(publicJwks(options.keys));
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        requiredClaims: ['sub', 'exp', 'iat', 'client_id'],
        clockTolerance: 5,
      }));
    } catch (err) {
      throw new UnauthorizedError(describeJoseError(err));
    }
    const sub = String(payload.sub);
    const clientId = String(payload.client_id);
    const principal =
      sub === clientId
        ? await machinePrincipal(options.pool, clientId)
        : await userPrincipal(options.pool, sub, typeof payload.gid === 'string' ? payload.gid : undefined);
    if (!principal) throw new UnauthorizedError('The token has been revoked or its account is disabled.');
    return principal;
  };
}

async function userPrincipal(pool: Pool, userId: string, grantId: string | undefined): Promise<Principal | undefined> {
  if (!grantId) return undefined;
  const user = await grantedUser(pool, userId, grantId);
  return (
    user && {
      kind: 'user',
      subject: user.id,
      userId: user.id,
      username: user.username,
      role: user.role,
      departmentId: user.department_id,
      managedDepartmentIds: user.managed_department_ids,
    }
  );
}

async function machinePrincipal(pool: Pool, clientId: string): Promise<Principal | undefined> {
  const client = await machineClientWithOwner(pool, clientId);
  return (
    client && {
      kind: 'client',
      subject: client.id,
      userId: client.owner_id,
      username: client.username,
      role: client.role,
      clientId: client.id,
      departmentId: client.department_id,
      managedDepartmentIds: client.managed_department_ids,
    }
  );
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${err.claim} claim is not accepted.`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The token is not signed with an accepted algorithm.';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
    return 'The token signature is not valid.';
  }
  return 'The token is malformed or not a Voicecast access token.';
}
