/**
 * One-time tickets for a browser's `EventSource`, which cannot send `Authorization`: the
 * page asks for one with its bearer token (POST /campaigns/{id}/events/ticket) and opens the
 * stream with `?ticket=`. A ticket opens one stream of one campaign, once, within
 * {@link TICKET_TTL_SECONDS}; only its SHA-256 is stored (a database dump holds nothing
 * usable), in PostgreSQL so that any API process behind a load balancer takes it. URLs are
 * logged without their query (api/app.ts), and a ticket in a proxy's log is spent already.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import { insertEventTicket, takeEventTicket } from '../../db/campaign-events.js';
import type { Pool } from '../../db/sql.js';
import { UnauthorizedError } from '../../lib/errors.js';

export const TICKET_TTL_SECONDS = 30;

/** What a ticket looks like: 32 random bytes, base64url. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const hash = (ticket: string): string => createHash('sha256').update(ticket).digest('hex');

export interface IssuedTicket {
  readonly ticket: string;
  readonly expiresAt: Date;
}

/** A new ticket for `principal` to open `campaignId`'s stream (the caller has checked it may). */
export async function issueTicket(pool: Pool, principal: Principal, campaignId: string): Promise<IssuedTicket> {
  const ticket = randomBytes(32).toString('base64url');
  const expiresAt = await insertEventTicket(pool, {
    hash: hash(ticket),
    campaignId,
    userId: principal.userId,
    principal: JSON.stringify(principal),
    ttlSeconds: TICKET_TTL_SECONDS,
  });
  return { ticket, expiresAt: new Date(expiresAt) };
}

/**
 * The principal of a valid ticket for `campaignId`, spending it; 401 otherwise (unknown, used,
 * expired, or for another campaign — a ticket for another campaign is spent too).
 */
export async function redeemTicket(pool: Pool, ticket: string, campaignId: string): Promise<Principal> {
  if (!TICKET_PATTERN.test(ticket)) throw new UnauthorizedError('The event stream ticket is not valid.');
  const row = await takeEventTicket<Principal>(pool, hash(ticket));
  if (!row?.live || row.campaign_id !== campaignId.toLowerCase()) {
    throw new UnauthorizedError('The event stream ticket is unknown, used, expired or for another campaign.');
  }
  return row.principal;
}
