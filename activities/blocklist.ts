/**
 * The owner's blocklist as the call activities see it: the check right before a number is
 * dialled, and the entry an opt-out writes. The statements are db/blocklist.ts, shared with
 * the API's side (api/blocklist/).
 */
import { insertOptOut } from '../db/blocklist.js';
import type { Pool, PoolClient } from '../db/sql.js';
import type { AttemptContext } from './call-journal.js';

export { isBlocked } from '../db/blocklist.js';
// The dial-time check is the policy rule `blocklist` (policy-rules/blocklist.ts).
export { BLOCKED_END_REASON } from './policy-rules/blocklist.js';

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
