/**
 * Calling windows on the callee's clock (`timezoneFrom: 'number'`), enforced in the claim.
 * Each contact carries its zone set (`campaign_contact.time_zones`, written at start), so a
 * claim works per zone set, never per contact: it lists the distinct sets among the open
 * contacts (an index skip scan, one probe per set) and decides each set's window in JS.
 * - Contacts of a closed set whose turn falls before the set's next opening are moved to
 *   that opening, without touching their attempt counter (they were not called). The move
 *   is bounded per claim ({@link DEFER_PER_CLAIM}): a window closing on a backlog of a
 *   million due contacts is worked off over successive claims, not in one long transaction.
 * - Only contacts of open sets are claimed (DUE_IN_OPEN_ZONES, db/zone-claims.ts), so a contact not moved
 *   yet is not called either. The statements are db/zone-claims.ts. The workflow sleeps until the earliest `next_attempt_at`,
 *   which includes the openings just written.
 */
import { campaignCallingWindow } from '../db/campaigns.js';
import type { PoolClient } from '../db/sql.js';
import { deferToOpenings, distinctZoneSets } from '../db/zone-claims.js';
import type { CallingWindow } from '../campaign/calling-window.js';
import { ZoneOpenings } from '../campaign/calling-window-zones.js';

/** Shared by the claims of every campaign this worker runs. */
const openings = new ZoneOpenings();

/** The campaign's calling window when it is read on the callee's clock; undefined otherwise. */
export async function numberWindow(client: PoolClient, campaignId: string): Promise<CallingWindow | undefined> {
  const window = await campaignCallingWindow(client, campaignId);
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
  for (const zones of await distinctZoneSets(client, campaignId)) {
    const opens = openings.opening(window, zones, now);
    if (opens.getTime() > now.getTime()) closed.push({ zones, opens: opens.toISOString() });
    else open.push(zones);
  }
  if (closed.length === 0) return { open, moved: 0 };
  return { open, moved: await deferToOpenings(client, campaignId, closed, limit) };
}
