/**
 * The bundled OAuth 2.0 server (oidc-provider), mounted at /oauth in the API's Express app.
 *
 * Clients: the first-party public client `voicecast` (password + refresh_token, no secret)
 * and machine clients created by admins (client_credentials, from `oauth_client`).
 * Every access token is an ES256 JWT for the API audience, with the grant id in `gid` so
 * the API can tell when its grant was revoked.
 */
import { createHmac } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { errors, Provider, type Configuration, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import type { Pool } from '../db/sql.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { findActiveUser } from './accounts.js';
import type { KeyMaterial } from './keys.js';
import { LoginThrottle } from './login-throttle.js';
import { createAdapterClass } from './oidc-adapter.js';
import { API_SCOPE, createPasswordGrant, PASSWORD_GRANT_PARAMS } from './password-grant.js';

export const FIRST_PARTY_CLIENT_ID = 'voicecast';

export interface AuthServer {
  readonly provider: Provider;
  readonly throttle: LoginThrottle;
}

interface AuthServerDeps {
  readonly config: Config['auth'];
  readonly trustProxy: boolean;
  readonly em: EntityManager;
  readonly pool: Pool;
  readonly keys: KeyMaterial;
  readonly logger: Logger;
}

export function createAuthServer(deps: AuthServerDeps): AuthServer {
  const { config, em, pool, keys, logger } = deps;
  const resourceServer: ResourceServer = {
    scope: API_SCOPE,
    audience: config.audience,
    accessTokenTTL: config.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'ES256' } },
  };

  const configuration: Configuration = {
    adapter: createAdapterClass(pool, keys.clientSecretKey),
    clients: [
      {
        client_id: FIRST_PARTY_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: ['password', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    jwks: { keys: keys.signingKeys.map((k) => ({ ...k }) as never) },
    cookies: { keys: [...keys.cookieKeys] },
    scopes: [API_SCOPE, 'offline_access'],
    claims: { openid: ['sub'] },
    responseTypes: ['none'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== config.audience) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
    ttl: {
      AccessToken: config.accessTokenTtlSeconds,
      ClientCredentials: config.accessTokenTtlSeconds,
      RefreshToken: config.refreshTokenTtlSeconds,
      Grant: config.refreshTokenTtlSeconds,
    },
    findAccount: async (_ctx, sub) => {
      const user = await findActiveUser(em, sub);
      return user ? { accountId: user.id, claims: () => ({ sub: user.id }) } : undefined;
    },
    extraTokenClaims: (_ctx, token) => {
      // Only user tokens carry a grant; machine tokens are checked against oauth_client.
      if ('grantId' in token && typeof token.grantId === 'string') return { gid: token.grantId };
      return undefined;
    },
    // Browsers may call the token and revocation endpoints for the first-party client from
    // the API's own pages (Swagger UI) and from the configured origins; machine clients never.
    clientBasedCORS: (ctx, origin, client) =>
      client.clientId === FIRST_PARTY_CLIENT_ID &&
      // Koa's ctx.origin echoes the request's Origin header here; compare with the server's own.
      (origin === `${ctx.protocol}://${ctx.host}` ||
        origin === new URL(config.issuer).origin ||
        config.corsOrigins.includes(origin)),
    renderError: (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  };

  const provider = new Provider(config.issuer, configuration);
  // Behind the one trusted proxy, the client address is the last X-Forwarded-For entry (the
  // one that proxy appended); entries to its left are whatever the client wrote.
  provider.proxy = deps.trustProxy;
  provider.maxIpsCount = 1;
  const throttle = new LoginThrottle(pool, config);
  provider.registerGrantType(
    'password',
    createPasswordGrant({
      em,
      pool,
      throttle,
      audience: config.audience,
      resourceServer,
      logger,
      // Derived, so it is the same on every replica and never the client-secret key itself.
      usernameHashKey: createHmac('sha256', keys.clientSecretKey).update('voicecast log username hash').digest(),
    }),
    PASSWORD_GRANT_PARAMS,
  );

  // The library emits, the host logs: server errors with their cause, the rest at debug.
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oauth server error'));
  provider.on('grant.error', (_ctx, err) => logger.debug({ error: err.message }, 'oauth grant error'));
  provider.on('grant.revoked', (_ctx, grantId) => logger.info({ grantId }, 'grant revoked'));
  return { provider, throttle };
}
