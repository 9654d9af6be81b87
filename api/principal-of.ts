import type { Request } from 'express';
import type { Principal } from '../auth/principal.js';
import { UnauthorizedError } from '../lib/errors.js';

/** The caller established by expressAuthentication; only for `@Security` routes. */
export function principalOf(req: Request): Principal {
  if (!req.user) throw new UnauthorizedError();
  return req.user;
}
