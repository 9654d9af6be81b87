/**
 * tsoa's authentication module: `@Security('oauth2')` routes call this; the resolved
 * value becomes `req.user`, a rejection becomes 401 problem+json.
 */
import type { Request } from 'express';
import type { Principal } from '../auth/principal.js';
import { UnauthorizedError } from '../lib/errors.js';
import type { Container } from './container.js';

export async function expressAuthentication(
  request: Request,
  securityName: string,
  _scopes?: string[],
): Promise<Principal> {
  if (securityName !== 'oauth2') throw new UnauthorizedError(`Unknown security scheme ${securityName}.`);
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(header);
  if (!match?.[1]) throw new UnauthorizedError('Send the access token as "Authorization: Bearer <token>".');
  const container = request.app.locals.container as Container;
  return container.infra.verifyToken(match[1]);
}
