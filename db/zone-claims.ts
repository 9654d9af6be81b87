/**
 * The claim's statements for calling windows on the callee's clock (activities/zone-claim.ts
 * decides; these read and move `campaign_contact` rows by zone set, never per contact).
 */
import type { PoolClient } from './sql.js';

/**
 * The distinct zone sets of the campaign's pending and waiting contacts: a loose index scan
 * on campaign_contact_zone_due_index (one probe per set, however many contacts share it).
 */
export async function distinctZoneSets(client: PoolClient, campaignId: string): Promise<string[]> {
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

/**
 * Moves at most `limit` pending and waiting contacts of the closed zone sets whose turn falls
 * before their set's opening to that opening (rows another claim holds are skipped); the
 * attempt counter is not touched. Returns how many moved.
 */
export async function deferToOpenings(
  client: PoolClient,
  campaignId: string,
  closed: readonly { zones: string; opens: string }[],
  limit: number,
): Promise<number> {
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
  return rowCount ?? 0;
}

/**
 * The claim's choice of due contacts (db/campaign-claims.ts) restricted to the open
 * zone sets (`$3`): per set, its earliest due contacts on the zone index.
 */
export const DUE_IN_OPEN_ZONES = `SELECT c.id FROM unnest($3::text[]) z(zones)
  CROSS JOIN LATERAL (
    SELECT id, next_attempt_at FROM campaign_contact
    WHERE campaign_id = $1 AND state IN ('pending', 'waiting') AND time_zones IS NOT NULL
      AND time_zones = z.zones AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) c
  ORDER BY c.next_attempt_at, c.id LIMIT $2`;
