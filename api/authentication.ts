/**
 * tsoa's authentication module: `@Security('oauth2')` routes call this; the resolved
 * value becomes `req.user`, a rejection becomes 401 problem+json (503 when the token could
 * not be checked at all). `eventTicket` is the one-time `?ticket=` of a campaign's event
 * stream, for browsers' EventSource (api/campaigns/campaign-event-tickets.ts).
 */
import type { Request } from 'express';
import type { Principal } from '../auth/principal.js';
import { AppError, UnauthorizedError, UpstreamError } from '../lib/errors.js';
import { redeemTicket } from './campaigns/campaign-event-tickets.js';
import type { Container } from './container.js';

export async function expressAuthentication(
  request: Request,
  securityName: string,
  _scopes?: string[],
): Promise<Principal> {
  if (securityName === 'eventTicket') return eventTicket(request);
  if (securityName !== 'oauth2') throw new UnauthorizedError(`Unknown security scheme ${securityName}.`);
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) throw new UnauthorizedError('Send the access token as "Authorization: Bearer <token>".');
  const container = request.app.locals.container as Container;
  try {
    return await container.infra.verifyToken(token);
  } catch (err) {
    // tsoa answers 401 to whatever this throws without a status: a token that could not be
    // checked (the database away) is not a bad token, and a client must not drop it for that.
    if (err instanceof AppError) throw err;
    container.infra.logger.warn({ error: String(err) }, 'access token could not be checked');
    throw new UpstreamError('Database', 'The access token could not be checked right now; try again.');
  }
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 characters), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(header ?? '')?.[1];
}

/** The principal of the stream's `?ticket=` (spent by this), for `GET /campaigns/{id}/events` only. */
async function eventTicket(request: Request): Promise<Principal> {
  const ticket = request.query.ticket;
  const campaignId = request.params.id;
  if (typeof ticket !== 'string' || typeof campaignId !== 'string') {
    throw new UnauthorizedError('Send the access token as "Authorization: Bearer <token>", or an event stream ticket.');
  }
  const container = request.app.locals.container as Container;
  try {
    return await redeemTicket(container.infra.pool, ticket, campaignId);
  } catch (err) {
    if (err instanceof AppError) throw err;
    container.infra.logger.warn({ error: String(err) }, 'event stream ticket could not be checked');
    throw new UpstreamError('Database', 'The ticket could not be checked right now; try again.');
  }
}
