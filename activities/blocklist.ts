/**
 * The owner's blocklist as the call activities see it: the check right before a number is
 * dialled, and the entry an opt-out writes. Kept to plain SQL on the worker's pool like the
 * journal; the API's side is api/blocklist/.
 */
import type { Pool, PoolClient } from '../db/sql.js';
import type { AttemptContext } from './call-journal.js';

/** `end_reason` of an attempt whose number was on the blocklist: nothing was sent to the trunk. */
export const BLOCKED_END_REASON = 'number on the blocklist: not dialled';

/** True when `phone` (E.164) is on `ownerId`'s blocklist now (the unique key serves this lookup). */
export async function isBlocked(pool: Pool, ownerId: string, phone: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM blocklist WHERE owner_id = $1 AND phone_e164 = $2', [
    ownerId,
    phone,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * Puts the attempt's number on the owner's blocklist as an opt-out of this campaign and call
 * (the call's journal row, when it is there). Idempotent: a number already on the list keeps
 * its first entry, so running this again (the journal's transaction does) changes nothing.
 */
export async function recordOptOut(db: Pool | PoolClient, ctx: AttemptContext): Promise<void> {
  await db.query(
    `INSERT INTO blocklist (id, owner_id, phone_e164, reason, campaign_id, call_id, created_at)
     VALUES (gen_random_uuid(), $1, $2, 'opt_out', $3, (SELECT id FROM call_record WHERE attempt_id = $4), $5)
     ON CONFLICT (owner_id, phone_e164) DO NOTHING`,
    // created_at from here, to the millisecond: the API pages the list by (created_at, id) with cursors in ms.
    [ctx.ownerId, ctx.attempt.phone, ctx.campaignId, ctx.attempt.attemptId, new Date()],
  );
}
