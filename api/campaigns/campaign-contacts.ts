/**
 * Copying a list's contacts into a starting campaign (`campaign_contact`, the scheduler's
 * state). With a calling window on the callee's clock each contact also gets its zones, told
 * once here from its number, and is due at the first moment its own window is open: the
 * claim then only moves contacts whose window closed since (activities/zone-claim.ts).
 */
import { phoneTimeZoneKey } from '../../contacts/phone-time-zones.js';
import type { PoolClient } from '../../db/sql.js';
import type { CallingWindow } from '../../campaign/calling-window.js';
import { ZONE_SEPARATOR, zonesOpening } from '../../campaign/calling-window-zones.js';

/** Contacts per round trip when zones are computed (arrays of this size go to PostgreSQL). */
const ZONE_BATCH = 10_000;

/** Copies every contact of `listId` into the campaign, pending; zones too when the window asks for them. */
export async function copyContacts(
  client: PoolClient,
  campaignId: string,
  listId: string | null,
  window: CallingWindow | null,
): Promise<void> {
  if (window?.timezoneFrom === 'number') {
    await copyContactsWithZones(client, campaignId, listId, window);
    return;
  }
  await client.query(
    `insert into campaign_contact (campaign_id, line, phone_e164, name, variables, state, attempts, next_attempt_at, updated_at)
     select $1, line, phone_e164, name, variables, 'pending', 0, now(), now() from contact where list_id = $2`,
    [campaignId, listId],
  );
}

/**
 * In batches along the list's primary key: the zone of each number is a few map look-ups
 * in JS (no per-number libphonenumber parse), the opening is computed once per distinct
 * zone set, and the rows are inserted from arrays joined back to `contact` (bounded to the
 * batch's line range, else the planner may hash the whole list for every batch).
 */
async function copyContactsWithZones(
  client: PoolClient,
  campaignId: string,
  listId: string | null,
  window: CallingWindow,
): Promise<void> {
  const now = new Date();
  const openings = new Map<string, Date>();
  const openingOf = (key: string): Date => {
    let opens = openings.get(key);
    if (!opens) {
      opens = zonesOpening(window, key.split(ZONE_SEPARATOR), now);
      openings.set(key, opens);
    }
    return opens;
  };
  for (let after = -1; ;) {
    const { rows } = await client.query<{ line: number; phone_e164: string }>(
      'select line, phone_e164 from contact where list_id = $1 and line > $2 order by line limit $3',
      [listId, after, ZONE_BATCH],
    );
    if (rows.length === 0) return;
    const last = rows[rows.length - 1].line;
    const keys = rows.map((r) => phoneTimeZoneKey(r.phone_e164) ?? window.timezone);
    await client.query(
      `insert into campaign_contact (campaign_id, line, phone_e164, name, variables, state, attempts, next_attempt_at,
         time_zones, updated_at)
       select $1, c.line, c.phone_e164, c.name, c.variables, 'pending', 0, z.opens, z.zones, now()
       from unnest($3::int[], $4::text[], $5::timestamptz[]) z(line, zones, opens)
       join contact c on c.list_id = $2 and c.line = z.line and c.line > $6 and c.line <= $7`,
      [campaignId, listId, rows.map((r) => r.line), keys, keys.map((k) => openingOf(k).toISOString()), after, last],
    );
    after = last;
  }
}
