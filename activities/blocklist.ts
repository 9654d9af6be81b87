/**
 * The owner's blocklist as the call activities see it: the check right before a number is
 * dialled, and the entry an opt-out writes. The statements are db/blocklist.ts, shared with
 * the API's side (api/blocklist/).
 */
import { insertOptOut } from '../db/blocklist.js';
import type { Pool, PoolClient } from '../db/sql.js';
import type { AttemptContext } from './call-journal.js';

export { isBlocked } from '../db/blocklist.js';

/** `end_reason` of an attempt whose number was on the blocklist: nothing was sent to the trunk. */
export const BLOCKED_END_REASON = 'number on the blocklist: not dialled';

/**
 * Puts the attempt's number on the owner's blocklist as an opt-out of this campaign and call
 * (the call's journal row, when it is there). Idempotent: a number already on the list keeps
 * its first entry, so running this again (the journal's transaction does) changes nothing.
 */
export async function recordOptOut(db: Pool | PoolClient, ctx: AttemptContext): Promise<void> {
  await insertOptOut(db, {
    ownerId: ctx.ownerId,
    phone: ctx.attempt.phone,
    campaignId: ctx.campaignId,
    attemptId: ctx.attempt.attemptId,
  });
}
