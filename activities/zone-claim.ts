/**
 * Calling windows on the callee's clock (`timezoneFrom: 'number'`), enforced in the claim.
 * Each contact carries its zone set (`campaign_contact.time_zones`, written at start), so a
 * claim works per zone set, never per contact: it lists the distinct sets among the open
 * contacts (an index skip scan, one probe per set), decides each set's window in JS, and
 * moves the contacts of every closed set whose turn falls before its next opening to that
 * opening, in one UPDATE on the zone index. The attempt counter is not touched: a contact
 * moved this way has not been called. What is due afterwards is in an open window, and the
 * workflow sleeps until the earliest `next_attempt_at`, an opening among them.
 */
import type { PoolClient } from '../db/sql.js';
import type { CallingWindow } from '../workflows/calling-window.js';
import { zonesOpening } from '../workflows/calling-window-zones.js';
import { ZONE_SEPARATOR } from '../contacts/phone-time-zones.js';

/** The campaign's calling window when it is read on the callee's clock; undefined otherwise. */
export async function numberWindow(client: PoolClient, campaignId: string): Promise<CallingWindow | undefined> {
  const { rows } = await client.query<{ calling_window: CallingWindow | null }>(
    'SELECT calling_window FROM campaign WHERE id = $1',
    [campaignId],
  );
  const window = rows[0]?.calling_window;
  return window?.timezoneFrom === 'number' ? window : undefined;
}

/**
 * Moves the waiting and pending contacts of every zone set whose window is closed at `now`
 * to the set's next opening; returns how many contacts moved.
 */
export async function deferClosedZones(
  client: PoolClient,
  campaignId: string,
  window: CallingWindow,
  now: Date,
): Promise<number> {
  const closed: { zones: string; opens: string }[] = [];
  for (const zones of await openZoneSets(client, campaignId)) {
    const opens = zonesOpening(window, zones.split(ZONE_SEPARATOR), now);
    if (opens.getTime() > now.getTime()) closed.push({ zones, opens: opens.toISOString() });
  }
  if (closed.length === 0) return 0;
  const { rowCount } = await client.query(
    `UPDATE campaign_contact c SET next_attempt_at = z.opens, updated_at = now()
     FROM unnest($2::text[], $3::timestamptz[]) z(zones, opens)
     WHERE c.campaign_id = $1 AND c.state IN ('pending', 'waiting') AND c.time_zones IS NOT NULL
       AND c.time_zones = z.zones AND c.next_attempt_at < z.opens`,
    [campaignId, closed.map((c) => c.zones), closed.map((c) => c.opens)],
  );
  return rowCount ?? 0;
}

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
