/**
 * Calling windows on the callee's clock (`timezoneFrom: 'number'`), enforced in the claim.
 * Each contact carries its zone set (`campaign_contact.time_zones`, written at start), so a
 * claim works per zone set, never per contact: it lists the distinct sets among the open
 * contacts (an index skip scan, one probe per set) and decides each set's window in JS.
 * - Contacts of a closed set whose turn falls before the set's next opening are moved to
 *   that opening, without touching their attempt counter (they were not called). The move
 *   is bounded per claim ({@link DEFER_PER_CLAIM}): a window closing on a backlog of a
 *   million due contacts is worked off over successive claims, not in one long transaction.
 * - Only contacts of open sets are claimed ({@link dueInOpenZones}), so a contact not moved
 *   yet is not called either. The workflow sleeps until the earliest `next_attempt_at`,
 *   which includes the openings just written.
 */
import type { PoolClient } from '../db/sql.js';
import type { CallingWindow } from '../campaign/calling-window.js';
import { ZoneOpenings } from '../campaign/calling-window-zones.js';

/** Shared by the claims of every campaign this worker runs. */
const openings = new ZoneOpenings();

/** The campaign's calling window when it is read on the callee's clock; undefined otherwise. */
export async function numberWindow(client: PoolClient, campaignId: string): Promise<CallingWindow | undefined> {
  const { rows } = await client.query<{ calling_window: CallingWindow | null }>(
    'SELECT calling_window FROM campaign WHERE id = $1',
    [campaignId],
  );
  const window = rows[0]?.calling_window;
  return window?.timezoneFrom === 'number' ? window : undefined;
}

/** Contacts moved to their opening per claim at most. */
export const DEFER_PER_CLAIM = 5_000;

/**
 * Moves pending and waiting contacts of the zone sets whose window is closed at `now` to
 * their set's next opening (at most `limit`); returns the sets that are open and how many
 * contacts moved.
 */
export async function deferClosedZones(
  client: PoolClient,
  campaignId: string,
  window: CallingWindow,
  now: Date,
  limit = DEFER_PER_CLAIM,
): Promise<{ open: string[]; moved: number }> {
  const open: string[] = [];
  const closed: { zones: string; opens: string }[] = [];
  for (const zones of await openZoneSets(client, campaignId)) {
    const opens = openings.opening(window, zones, now);
    if (opens.getTime() > now.getTime()) closed.push({ zones, opens: opens.toISOString() });
    else open.push(zones);
  }
  if (closed.length === 0) return { open, moved: 0 };
  const { rowCount } = await client.query(
    `WITH late AS (
       SELECT c.id, z.opens FROM unnest($2::text[], $3::timestamptz[]) z(zones, opens)
       CROSS JOIN LATERAL (
         SELECT id FROM campaign_contact
         WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND time_zones IS NOT NULL
           AND time_zones = z.zones AND next_attempt_at < z.opens
         LIMIT $4 FOR UPDATE SKIP LOCKED) c
       LIMIT $4)
     UPDATE campaign_contact c SET next_attempt_at = late.opens, updated_at = now()
     FROM late WHERE c.id = late.id`,
    [campaignId, closed.map((c) => c.zones), closed.map((c) => c.opens), limit],
  );
  return { open, moved: rowCount ?? 0 };
}

/**
 * The claim's choice of due contacts (the `due` CTE of campaign.activities.ts) restricted to
 * the open zone sets (`$3`): per set, its earliest due contacts on the zone index.
 */
export const dueInOpenZones = `SELECT c.id FROM unnest($3::text[]) z(zones)
  CROSS JOIN LATERAL (
    SELECT id, next_attempt_at FROM campaign_contact
    WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND time_zones IS NOT NULL
      AND time_zones = z.zones AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) c
  ORDER BY c.next_attempt_at, c.id LIMIT $2`;

/**
 * The distinct zone sets of the campaign's pending and waiting contacts: a loose index scan
 * on campaign_contact_zone_due_index (one probe per set, however many contacts share it).
 */
async function openZoneSets(client: PoolClient, campaignId: string): Promise<string[]> {
  const { rows } = await client.query<{ zones: string }>(
    `WITH RECURSIVE sets(zones) AS (
       (SELECT time_zones FROM campaign_contact
        WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND time_zones IS NOT NULL
        ORDER BY time_zones LIMIT 1)
       UNION ALL
       SELECT (SELECT time_zones FROM campaign_contact
               WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND time_zones IS NOT NULL
                 AND time_zones > sets.zones
               ORDER BY time_zones LIMIT 1)
       FROM sets WHERE sets.zones IS NOT NULL)
     SELECT zones FROM sets WHERE zones IS NOT NULL`,
    [campaignId],
  );
  return rows.map((r) => r.zones);
}
