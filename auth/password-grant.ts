/**
 * `grant_type=password` for oidc-provider, which has no such grant built in.
 *
 * Flow: presence check → throttle reservation (429 + Retry-After, password not even
 * checked; see login-throttle.ts) → argon2id check against `user` → Grant with the API
 * resource scope → JWT access token for the API audience, plus a refresh token when the
 * client may refresh → a re-check that the password and account did not change meanwhile
 * (a password change or disable revokes the account's grants after it commits; a login
 * that checked the old password just before must not keep its grant).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { errors, type Provider, type ResourceServer, type TokenEndpointGrantContext } from 'oidc-provider';
import { passwordStillCurrent } from '../db/auth-accounts.js';
import { revokeNewGrant } from '../db/oidc-payload.js';
import type { Pool } from '../db/sql.js';
import { logHash, type Logger } from '../lib/logger.js';
import { authenticate, normalizeUsername } from './accounts.js';
import type { LoginThrottle } from './login-throttle.js';

export const API_SCOPE = 'api';
export const PASSWORD_GRANT_PARAMS = ['username', 'password', 'scope', 'resource'] as const;

interface PasswordGrantDeps {
  readonly em: EntityManager;
  readonly pool: Pool;
  readonly throttle: LoginThrottle;
  readonly audience: string;
  readonly resourceServer: ResourceServer;
  readonly logger: Logger;
  /** Key of the username hash logged for refused logins (a typed username may be a password). */
  readonly usernameHashKey: Buffer;
}

type PasswordParams = { username?: string; password?: string };

export function createPasswordGrant(deps: PasswordGrantDeps) {
  return async function passwordGrant(ctx: TokenEndpointGrantContext<PasswordParams>): Promise<void> {
    const { params, client } = ctx.oidc;
    const provider: Provider = ctx.oidc.provider;
    const missing = (['username', 'password'] as const).filter((p) => !params[p]);
    if (missing.length) throw new errors.InvalidRequest(`missing required parameter(s) (${missing.join(',')})`);
    if (params.resource !== undefined && params.resource !== deps.audience) {
      throw new errors.InvalidTarget(`only ${deps.audience} can be requested`);
    }

    const username = normalizeUsername(String(params.username));
    const attempt = await deps.throttle.reserve(username, ctx.ip);
    if (!attempt.allowed) {
      deps.logger.warn(
        { usernameHash: logHash(deps.usernameHashKey, username), ip: ctx.ip, retryAfter: attempt.retryAfter },
        'login throttled',
      );
      ctx.status = 429;
      ctx.set('Retry-After', String(attempt.retryAfter));
      ctx.body = {
        error: 'too_many_requests',
        error_description: `too many failed logins; try again in ${attempt.retryAfter} s`,
      };
      return;
    }

    const user = await authenticate(deps.em, username, String(params.password));
    if (!user) {
      deps.logger.info({ usernameHash: logHash(deps.usernameHashKey, username), ip: ctx.ip }, 'login failed');
      throw new errors.InvalidGrant('invalid username or password');
    }
    await deps.throttle.succeeded(attempt);

    const grant = new provider.Grant({ accountId: user.id, clientId: client.clientId });
    grant.addResourceScope(deps.audience, API_SCOPE);
    grant.addOIDCScope('offline_access');
    const grantId = await grant.save();

    const at = new provider.AccessToken({ accountId: user.id, client, grantId, gty: 'password', scope: API_SCOPE });
    at.resourceServer = new provider.ResourceServer(deps.audience, deps.resourceServer);
    const accessToken = await at.save();

    let refreshToken: string | undefined;
    if (client.grantTypeAllowed('refresh_token')) {
      const rt = new provider.RefreshToken({
        accountId: user.id,
        client,
        grantId,
        gty: 'password',
        scope: `${API_SCOPE} offline_access`,
        resource: deps.audience,
        iiat: Math.floor(Date.now() / 1000),
      });
      refreshToken = await rt.save();
    }

    if (!(await passwordStillCurrent(deps.pool, user.id, user.passwordHash))) {
      await revokeNewGrant(deps.pool, grantId);
      deps.logger.info({ userId: user.id }, 'login raced a password change or disable; grant revoked');
      throw new errors.InvalidGrant('invalid username or password');
    }

    deps.logger.info({ userId: user.id, clientId: client.clientId }, 'login succeeded');
    ctx.body = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: at.expiration,
      scope: API_SCOPE,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
  };
}
