/**
 * Copying a list's contacts into a starting campaign (`campaign_contact`, the scheduler's
 * state). With a calling window on the callee's clock each contact also gets its zones, told
 * once here from its number, and is due at the first moment its own window is open: the
 * claim then only moves contacts whose window closed since (activities/zone-claim.ts).
 */
import { phoneTimeZoneKey } from '../contacts/phone-time-zones.js';
import type { Pool, PoolClient } from './sql.js';
import type { CallingWindow } from '../campaign/calling-window.js';
import { ZONE_SEPARATOR, zonesOpening } from '../campaign/calling-window-zones.js';

/**
 * SQL for the status a write of `status` leaves on a `campaign` row: `running` is
 * `preparing` while the campaign's background copy has not finished (activities/campaign-prepare.ts).
 */
export const RUNNING_OR_PREPARING = (status: string): string =>
  `CASE WHEN ${status} = 'running' AND contacts_total IS NOT NULL AND contacts_copied_at IS NULL
        THEN 'preparing' ELSE ${status} END`;

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

/** Openings per zone set, computed once per copy (a batch asks for the same few sets again and again). */
export class ZoneOpenings {
  private readonly openings = new Map<string, Date>();
  private readonly now = new Date();

  constructor(private readonly window: CallingWindow) {}

  of(key: string): Date {
    let opens = this.openings.get(key);
    if (!opens) {
      opens = zonesOpening(this.window, key.split(ZONE_SEPARATOR), this.now);
      this.openings.set(key, opens);
    }
    return opens;
  }
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
  const openings = new ZoneOpenings(window);
  for (let after = -1; ;) {
    const batch = await copyContactBatch(client, { campaignId, listId, window, openings, after, limit: ZONE_BATCH });
    if (batch.last === null) return;
    after = batch.last;
  }
}

export interface ContactBatch {
  readonly campaignId: string;
  readonly listId: string | null;
  readonly window: CallingWindow | null;
  /** With a window on the callee's clock: the openings of this copy. */
  readonly openings?: ZoneOpenings;
  /** Copies the lines after this one (-1: from the start)… */
  readonly after: number;
  /** …at most this many. */
  readonly limit: number;
}

/**
 * Copies the next `limit` contacts of the list after line `after`; a line already copied (an
 * earlier try of the same batch) is left as it is. `last`: the batch's last line, null when
 * none was left.
 */
export async function copyContactBatch(
  client: PoolClient,
  batch: ContactBatch,
): Promise<{ last: number | null; copied: number }> {
  const { campaignId, listId, window, after, limit } = batch;
  const { rows } = await client.query<{ line: number; phone_e164: string }>(
    'select line, phone_e164 from contact where list_id = $1 and line > $2 order by line limit $3',
    [listId, after, limit],
  );
  if (rows.length === 0) return { last: null, copied: 0 };
  const last = rows[rows.length - 1].line;
  if (window?.timezoneFrom !== 'number') {
    const { rowCount } = await client.query(
      `insert into campaign_contact (campaign_id, line, phone_e164, name, variables, state, attempts, next_attempt_at, updated_at)
       select $1, line, phone_e164, name, variables, 'pending', 0, now(), now() from contact
        where list_id = $2 and line > $3 and line <= $4
       on conflict (campaign_id, line) do nothing`,
      [campaignId, listId, after, last],
    );
    return { last, copied: rowCount ?? 0 };
  }
  const openings = batch.openings ?? new ZoneOpenings(window);
  const keys = rows.map((r) => phoneTimeZoneKey(r.phone_e164) ?? window.timezone);
  const { rowCount } = await client.query(
    `insert into campaign_contact (campaign_id, line, phone_e164, name, variables, state, attempts, next_attempt_at,
       time_zones, updated_at)
     select $1, c.line, c.phone_e164, c.name, c.variables, 'pending', 0, z.opens, z.zones, now()
     from unnest($3::int[], $4::text[], $5::timestamptz[]) z(line, zones, opens)
     join contact c on c.list_id = $2 and c.line = z.line and c.line > $6 and c.line <= $7
     on conflict (campaign_id, line) do nothing`,
    [campaignId, listId, rows.map((r) => r.line), keys, keys.map((k) => openings.of(k).toISOString()), after, last],
  );
  return { last, copied: rowCount ?? 0 };
}

/** The numbers of these contacts (ids as text) of the campaign; a contact deleted meanwhile is left out. */
export async function contactPhones(
  pool: Pool,
  campaignId: string,
  contactIds: readonly string[],
): Promise<{ id: string; phone_e164: string }[]> {
  const { rows } = await pool.query<{ id: string; phone_e164: string }>(
    'SELECT id::text AS id, phone_e164 FROM campaign_contact WHERE id = ANY($1::bigint[]) AND campaign_id = $2',
    [contactIds, campaignId],
  );
  return rows;
}

/**
 * The campaign's contacts counted by scheduler state and final outcome; with `db` a pool, or
 * a client inside a transaction that must see the same snapshot.
 */
export async function countContactsByState(
  db: Pool | PoolClient,
  campaignId: string,
): Promise<{ state: string; final_outcome: string | null; n: string }[]> {
  const { rows } = await db.query<{ state: string; final_outcome: string | null; n: string }>(
    `select state, final_outcome, count(*) as n from campaign_contact where campaign_id = $1
      group by state, final_outcome`,
    [campaignId],
  );
  return rows;
}

/** The last line of the list copied into the campaign so far (-1: none), from the unique index. */
export async function lastCopiedLine(client: PoolClient, campaignId: string): Promise<number> {
  const { rows } = await client.query<{ after: number }>(
    'select coalesce(max(line), -1) as after from campaign_contact where campaign_id = $1',
    [campaignId],
  );
  return Number(rows[0]?.after ?? -1);
}

/** Cancels the campaign's open contacts (nothing runs the campaign any more to settle them). */
export async function cancelOpenContacts(pool: Pool, campaignId: string): Promise<void> {
  await pool.query(
    `update campaign_contact set state = 'cancelled', updated_at = now()
      where campaign_id = $1 and state in ('pending', 'waiting', 'in_flight')`,
    [campaignId],
  );
}

/** Deletes the campaign's contacts (a start undone). */
export async function deleteCampaignContacts(client: PoolClient, campaignId: string): Promise<void> {
  await client.query('delete from campaign_contact where campaign_id = $1', [campaignId]);
}
