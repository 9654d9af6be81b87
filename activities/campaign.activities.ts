/**
 * The campaign workflow's activities against PostgreSQL (the source of truth for each
 * contact's state) and the telephony engine. See workflows/campaign-types.ts for the
 * contract and place-call.ts for the call itself.
 *
 * Contacts are claimed with `FOR UPDATE SKIP LOCKED`, so several workers (or a retried
 * claim) never hand out a contact twice. A claim carries its attempt number, which fences
 * everything written for it: a contact whose claim went stale (its run died and nothing
 * renewed it for {@link STALE_CLAIM_SECONDS}) is taken over with a new attempt number, and
 * the old attempt, should it ever run again, finds itself superseded and dials nobody.
 */
import { inTransaction, type Pool, type PoolClient } from '../db/sql.js';
import type {
  AttemptReport,
  CampaignActivities,
  CampaignStatus,
  ClaimedAttempt,
  ClaimResult,
} from '../workflows/campaign-types.js';
import {
  callNotPlaced,
  CANCELLED_BEFORE_DIALLING,
  findAttempt,
  recordAttempt,
  reportRecorded,
} from './call-journal.js';
import { loadCampaignSettings } from './campaign-settings.js';
import { createPlaceCall, type CallDeps } from './place-call.js';
import { enqueueCallEvents } from './webhook-outbox.js';
import { deferClosedZones, dueInOpenZones, numberWindow } from './zone-claim.js';

export type CampaignActivityDeps = CallDeps;

/**
 * A claim not renewed for this long is abandoned. placeCall renews it every few seconds
 * while it runs; the gaps are Temporal's retry back-off (at most a minute) and a dead
 * worker's heartbeat timeout, so this leaves a wide margin against taking over a live call.
 */
export const STALE_CLAIM_SECONDS = 300;

const FINISHED_STATUSES: readonly CampaignStatus[] = ['completed', 'cancelled', 'failed'];

export function createCampaignActivities(deps: CampaignActivityDeps): CampaignActivities {
  const { pool } = deps;
  return {
    async claimDueAttempts({ campaignId, limit }): Promise<ClaimResult> {
      await releaseStaleClaims(pool, campaignId);
      // Also picks up webhook deliveries whose start a failure left for later (webhook-dispatch.ts).
      await deps.webhooks.dispatchCampaign(campaignId);
      return inTransaction(pool, (client) => claimDue(client, campaignId, limit));
    },

    placeCall: createPlaceCall(deps),

    async releaseAttempt({ campaignId, attempt, reason }): Promise<AttemptReport> {
      const recorded = await findAttempt(pool, attempt.attemptId);
      if (recorded && !recorded.inProgress) return reportRecorded(pool, attempt, recorded.outcome);
      const settings = await loadCampaignSettings(pool, campaignId);
      const result = recorded
        ? callNotPlaced('answered', 'worker lost during the call', {
            invite: recorded.inviteAt,
            answer: recorded.answerAt ?? recorded.inviteAt,
            end: new Date(),
          })
        : callNotPlaced('failed', `call activity failed: ${reason}`);
      const report = await recordUnplaced(pool, campaignId, settings, attempt, result, recorded?.optedOut);
      await deps.webhooks.dispatchCampaign(campaignId);
      return report ?? { attemptId: attempt.attemptId, outcome: 'superseded', retryAt: null };
    },

    async setCampaignStatus({ campaignId, status }): Promise<void> {
      await pool.query(
        `UPDATE campaign SET status = $2, updated_at = now(),
           started_at = CASE WHEN $2 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
           finished_at = CASE WHEN $2 = ANY($3::text[]) THEN coalesce(finished_at, now()) ELSE NULL END
         WHERE id = $1`,
        [campaignId, status, FINISHED_STATUSES],
      );
    },

    async cancelOpenContacts({ campaignId }): Promise<number> {
      // An attempt claimed but never placed (its activity was cancelled while Temporal waited
      // to retry it) still gets its journal row: every attempt counted has one.
      await inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ owner_id: string; attempt_id: string }>(
          `INSERT INTO call_record (id, owner_id, campaign_id, campaign_contact_id, attempt_id, attempt, phone_e164,
             trunk_id, invite_at, end_at, outcome, end_reason, dtmf, created_at)
           SELECT gen_random_uuid(), k.owner_id, k.id, c.id, c.id || ':' || c.attempts, c.attempts, c.phone_e164,
             k.trunk_id, now(), now(), 'cancelled', $2, '[]', now()
           FROM campaign_contact c JOIN campaign k ON k.id = c.campaign_id
           WHERE c.campaign_id = $1 AND c.state = 'in_flight'
           ON CONFLICT (attempt_id) DO NOTHING
           RETURNING owner_id, attempt_id`,
          [campaignId, CANCELLED_BEFORE_DIALLING],
        );
        for (const row of rows) {
          await enqueueCallEvents(client, { ownerId: row.owner_id, campaignId, attemptId: row.attempt_id });
        }
      });
      const { rowCount } = await pool.query(
        `UPDATE campaign_contact SET state = 'cancelled', final_outcome = 'cancelled', claimed_at = NULL, updated_at = now()
         WHERE campaign_id = $1 AND state IN ('pending', 'waiting', 'in_flight')`,
        [campaignId],
      );
      await deps.webhooks.dispatchCampaign(campaignId);
      return rowCount ?? 0;
    },
  };
}

/**
 * Claims up to `limit` due contacts and counts what is left, in one transaction: a claim
 * that fails half-way leaves no contact marked in flight without the workflow knowing.
 * With a calling window on the callee's clock only contacts whose own window is open are
 * due (zone-claim.ts), and `nextDueAt` includes the next opening.
 */
async function claimDue(client: PoolClient, campaignId: string, limit: number): Promise<ClaimResult> {
  // A window on the callee's clock: contacts whose window is closed are moved to its opening,
  // and only contacts whose window is open are due.
  const window = await numberWindow(client, campaignId);
  const zones = window ? await deferClosedZones(client, campaignId, window, new Date()) : undefined;
  const due = zones
    ? dueInOpenZones
    : `SELECT id FROM campaign_contact
       WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND next_attempt_at <= now()
       ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`;
  const claimed = await client.query<{ id: string; phone_e164: string; attempts: number }>(
    `WITH due AS MATERIALIZED (${due})
     UPDATE campaign_contact c
     SET state = 'in_flight', attempts = c.attempts + 1, claimed_at = now(), updated_at = now()
     FROM due WHERE c.id = due.id
     RETURNING c.id, c.phone_e164, c.attempts`,
    zones ? [campaignId, limit, zones.open] : [campaignId, limit],
  );
  // Timestamps come back as text from the ORM's pool. Both read one index entry (the due
  // index; the campaign/state index): an aggregate over the campaign's contacts would read
  // all of them at every claim, a million for a large list.
  const { rows } = await client.query<{ next_due: string | null; open: boolean }>(
    `SELECT (SELECT next_attempt_at FROM campaign_contact
              WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND next_attempt_at > now()
              ORDER BY next_attempt_at LIMIT 1) AS next_due,
       EXISTS (SELECT 1 FROM campaign_contact
               WHERE campaign_id = $1 AND state IN ('pending', 'waiting', 'in_flight')) AS open`,
    [campaignId],
  );
  const attempts: ClaimedAttempt[] = claimed.rows
    .map((r) => ({
      attemptId: `${r.id}:${r.attempts}`,
      campaignContactId: String(r.id),
      phone: r.phone_e164,
      attempt: r.attempts,
    }))
    .sort((a, b) => Number(a.campaignContactId) - Number(b.campaignContactId));
  return {
    attempts,
    nextDueAt: rows[0]?.next_due ? new Date(rows[0].next_due).toISOString() : null,
    open: rows[0]?.open ? 1 : 0,
  };
}

/**
 * Contacts claimed by a run that died (no journal row for the attempt, claim not renewed
 * for {@link STALE_CLAIM_SECONDS}): the lost attempt is journalled as failed and the contact
 * released per the retry policy, like an attempt whose activity failed for good.
 */
async function releaseStaleClaims(pool: Pool, campaignId: string): Promise<void> {
  const { rows } = await pool.query<{ id: string; phone_e164: string; attempts: number }>(
    `SELECT c.id, c.phone_e164, c.attempts FROM campaign_contact c
     WHERE c.campaign_id = $1 AND c.state = 'in_flight' AND c.claimed_at < now() - make_interval(secs => $2)
       AND NOT EXISTS (SELECT 1 FROM call_record r WHERE r.attempt_id = c.id || ':' || c.attempts)
     LIMIT 100`,
    [campaignId, STALE_CLAIM_SECONDS],
  );
  if (rows.length === 0) return;
  const settings = await loadCampaignSettings(pool, campaignId);
  for (const row of rows) {
    const attempt = {
      attemptId: `${row.id}:${row.attempts}`,
      campaignContactId: String(row.id),
      phone: row.phone_e164,
      attempt: row.attempts,
    };
    const result = callNotPlaced('failed', 'attempt lost: its claim went stale without a result');
    await recordUnplaced(pool, campaignId, settings, attempt, result);
  }
}

/** Journals an attempt whose call was not (or no longer) ours to finish: no recording, the contact moved on per policy. */
function recordUnplaced(
  pool: Pool,
  campaignId: string,
  settings: Awaited<ReturnType<typeof loadCampaignSettings>>,
  attempt: ClaimedAttempt,
  result: ReturnType<typeof callNotPlaced>,
  optedOut = false,
): Promise<AttemptReport | undefined> {
  const journal = {
    campaignId,
    ownerId: settings.ownerId,
    trunkId: settings.trunkId,
    attempt,
    policy: settings.policy,
  };
  return recordAttempt(pool, journal, { result, recordingKey: null, recordingPrivate: false, optedOut });
}
