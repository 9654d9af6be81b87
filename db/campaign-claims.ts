/**
 * The claim (activities/campaign.activities.ts): `campaign_contact` rows handed out to calls
 * in one transaction, with `FOR UPDATE SKIP LOCKED` so that several workers never hand out a
 * contact twice, and the contacts' ends a campaign's end writes. With a calling window on
 * the callee's clock the due contacts are chosen by db/zone-claims.ts's DUE_IN_OPEN_ZONES.
 * At the end, the call activity's side of a claim (activities/call-journal.ts, place-call.ts).
 */
import { DUE_IN_OPEN_ZONES } from './zone-claims.js';
import type { Pool, PoolClient } from './sql.js';

/** A claimed contact, without its number: that stays out of the claim's marker in the history (F29). */
export interface ClaimedRow {
  readonly id: string;
  readonly attempts: number;
}

/** The contacts in flight under this claim key (a repeated claim). */
export async function claimedBy(client: PoolClient, campaignId: string, claimKey: string): Promise<ClaimedRow[]> {
  const { rows } = await client.query<ClaimedRow>(
    `SELECT id, attempts FROM campaign_contact
     WHERE campaign_id = $1 AND state = 'in_flight' AND claim_key = $2`,
    [campaignId, claimKey],
  );
  return rows;
}

/**
 * Re-keys up to `limit` contacts in flight under another run's claims (a key not starting
 * with `runPrefix`, or none) to `claimKey`, their attempt unchanged.
 */
export async function adoptInFlight(
  client: PoolClient,
  claim: { campaignId: string; limit: number; claimKey: string; runPrefix: string },
): Promise<ClaimedRow[]> {
  const { rows } = await client.query<ClaimedRow>(
    `UPDATE campaign_contact c SET claim_key = $3, claimed_at = now(), updated_at = now()
     FROM (SELECT id FROM campaign_contact
           WHERE campaign_id = $1 AND state = 'in_flight' AND (claim_key IS NULL OR left(claim_key, length($4)) <> $4)
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) o
     WHERE c.id = o.id
     RETURNING c.id, c.attempts`,
    [claim.campaignId, claim.limit, claim.claimKey, claim.runPrefix],
  );
  return rows;
}

const DUE = `SELECT id FROM campaign_contact
       WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND next_attempt_at <= now()
       ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`;

/**
 * Claims up to `limit` due contacts under `claimKey`, counting their attempt; with
 * `openZones`, only contacts of those zone sets are due.
 */
export async function claimDueContacts(
  client: PoolClient,
  claim: { campaignId: string; limit: number; claimKey: string; openZones?: readonly string[] },
): Promise<ClaimedRow[]> {
  const { campaignId, limit, claimKey, openZones } = claim;
  const due = openZones ? DUE_IN_OPEN_ZONES : DUE;
  const params: unknown[] = openZones ? [campaignId, limit, openZones] : [campaignId, limit];
  const { rows } = await client.query<ClaimedRow>(
    `WITH due AS MATERIALIZED (${due})
     UPDATE campaign_contact c
     SET state = 'in_flight', attempts = c.attempts + 1, claimed_at = now(), claim_key = $${params.length + 1},
       updated_at = now()
     FROM due WHERE c.id = due.id
     RETURNING c.id, c.attempts`,
    [...params, claimKey],
  );
  return rows;
}

/**
 * When the campaign's next contact is due (null: none waits), and whether any is open at
 * all. Both read one index entry (the due index; the campaign/state index): an aggregate over
 * the campaign's contacts would read all of them at every claim. Timestamps come back as text.
 */
export async function claimOutlook(
  client: PoolClient,
  campaignId: string,
): Promise<{ next_due: string | null; open: boolean } | undefined> {
  const { rows } = await client.query<{ next_due: string | null; open: boolean }>(
    `SELECT (SELECT next_attempt_at FROM campaign_contact
              WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND next_attempt_at > now()
              ORDER BY next_attempt_at LIMIT 1) AS next_due,
       EXISTS (SELECT 1 FROM campaign_contact
               WHERE campaign_id = $1 AND state IN ('pending', 'waiting', 'in_flight')) AS open`,
    [campaignId],
  );
  return rows[0];
}

/** Ends every open contact as cancelled; returns how many. */
export async function cancelContactsFinally(pool: Pool, campaignId: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE campaign_contact SET state = 'cancelled', final_outcome = 'cancelled', claimed_at = NULL, updated_at = now()
     WHERE campaign_id = $1 AND state IN ('pending', 'waiting', 'in_flight')`,
    [campaignId],
  );
  return rowCount ?? 0;
}

/** Ends the contacts never called or waiting for a retry with `outcome`; returns how many. */
export async function endWaitingContacts(pool: Pool, campaignId: string, outcome: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE campaign_contact SET state = 'done', final_outcome = $2, claimed_at = NULL, updated_at = now()
     WHERE campaign_id = $1 AND state IN ('pending', 'waiting')`,
    [campaignId, outcome],
  );
  return rowCount ?? 0;
}

/** Counts an infrastructure failure of the contact's attempt while it is still claimed for it; its new count. */
export async function countInfraFailure(
  pool: Pool,
  campaignContactId: string,
  attempt: number,
): Promise<number | undefined> {
  const { rows } = await pool.query<{ infra_failures: number }>(
    `UPDATE campaign_contact SET infra_failures = infra_failures + 1 WHERE id = $1 AND state = 'in_flight' AND attempts = $2
     RETURNING infra_failures`,
    [campaignContactId, attempt],
  );
  return rows[0]?.infra_failures;
}

/*
 * The call activity's side of a claim (activities/call-journal.ts): the claimed contact's
 * number and state, holding the claim while the attempt is journalled, and ending it.
 */

/** The contact's number (E.164), or undefined when the contact is gone. */
export async function contactPhone(pool: Pool, campaignContactId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ phone_e164: string }>('SELECT phone_e164 FROM campaign_contact WHERE id = $1', [
    campaignContactId,
  ]);
  return rows[0]?.phone_e164;
}

/** The contact's scheduler state as it is now (timestamps as text). */
export async function contactSchedule(
  pool: Pool,
  campaignContactId: string,
): Promise<{ state: string; attempts: number; next_attempt_at: string } | undefined> {
  const { rows } = await pool.query<{ state: string; attempts: number; next_attempt_at: string }>(
    'SELECT state, attempts, next_attempt_at FROM campaign_contact WHERE id = $1',
    [campaignContactId],
  );
  return rows[0];
}

/** Locks the contact (FOR UPDATE) if it is still claimed for this attempt; false when it is not. */
export async function lockClaimedContact(
  client: PoolClient,
  campaignContactId: string,
  attempt: number,
): Promise<boolean> {
  const claimed = await client.query(
    `SELECT 1 FROM campaign_contact WHERE id = $1 AND state = 'in_flight' AND attempts = $2 FOR UPDATE`,
    [campaignContactId, attempt],
  );
  return claimed.rowCount !== 0;
}

/** A contact's state after an attempt. */
export interface ContactAfterAttempt {
  readonly state: 'waiting' | 'done' | 'cancelled';
  readonly outcome: string;
  readonly finalOutcome: string | null;
  /** Null: the next attempt time stays. */
  readonly nextAt: Date | null;
}

/** Ends the contact's claim with its state after the attempt. */
export async function endClaim(
  client: PoolClient,
  campaignContactId: string,
  update: ContactAfterAttempt,
): Promise<void> {
  await client.query(
    `UPDATE campaign_contact SET state = $2, last_outcome = $3, final_outcome = $4,
       next_attempt_at = coalesce($5, next_attempt_at), claimed_at = null, claim_key = null, infra_failures = 0,
       updated_at = now()
     WHERE id = $1`,
    [campaignContactId, update.state, update.outcome, update.finalOutcome, update.nextAt],
  );
}

/** Undoes the claim of `attempt` (the contact waits until `until`, its attempt not spent); false when not claimed for it. */
export async function undoClaim(pool: Pool, campaignContactId: string, attempt: number, until: Date): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE campaign_contact SET state = 'waiting', attempts = attempts - 1, next_attempt_at = $3, claimed_at = null,
       claim_key = null, updated_at = now()
     WHERE id = $1 AND state = 'in_flight' AND attempts = $2`,
    [campaignContactId, attempt, until],
  );
  return (rowCount ?? 0) > 0;
}

/** Marks the claim alive (`claimed_at`); false when the contact is no longer claimed for `attempt`. */
export async function touchClaim(pool: Pool, campaignContactId: string, attempt: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE campaign_contact SET claimed_at = now() WHERE id = $1 AND state = 'in_flight' AND attempts = $2`,
    [campaignContactId, attempt],
  );
  return (rowCount ?? 0) > 0;
}
