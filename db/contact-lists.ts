/**
 * `contact_list`, `contact` and `contact_invalid_line` in SQL: an import's rows in its own
 * transaction (api/contact-lists/contact-import.service.ts; the contacts themselves go in by
 * COPY, db/copy-sink.ts), a re-run's list copied set-based from a campaign's contacts
 * (api/campaigns/campaign-rerun.ts), and the invalid lines' CSV export. Single lists and
 * pages of contacts are read through the `ContactList` and `Contact` entities.
 */
import { spreadsheetSafeSql } from '../lib/csv.js';
import type { PoolClient } from './sql.js';

/** A new list in state `importing`, owned by `ownerId`. */
export async function insertImportingList(
  client: PoolClient,
  list: { id: string; ownerId: string; name: string; defaultCountry: string | null },
): Promise<void> {
  await client.query(
    `INSERT INTO contact_list (id, owner_id, name, status, default_country, created_at)
     VALUES ($1, $2, $3, 'importing', $4, now())`,
    [list.id, list.ownerId, list.name, list.defaultCountry],
  );
}

/** The import went through: the list is `ready`, with its counts. */
export async function markListImported(
  client: PoolClient,
  listId: string,
  counts: { totalRows: number; imported: number; duplicates: number; invalid: number },
): Promise<void> {
  await client.query(
    `UPDATE contact_list SET status = 'ready', total_rows = $2, imported = $3, duplicates = $4, invalid = $5
     WHERE id = $1`,
    [listId, counts.totalRows, counts.imported, counts.duplicates, counts.invalid],
  );
}

/** A new, empty, `ready` list (a re-run's; its contacts are copied next). */
export async function insertReadyList(
  client: PoolClient,
  listId: string,
  ownerId: string,
  name: string,
): Promise<void> {
  await client.query(
    `insert into contact_list (id, owner_id, name, status, default_country, total_rows, imported, duplicates, invalid, created_at)
     values ($1, $2, $3, 'ready', null, 0, 0, 0, 0, now())`,
    [listId, ownerId, name],
  );
}

/**
 * A contact's final outcome as a re-run selects it: `final_outcome`, or `cancelled` for a
 * contact the campaign's cancel settled without one (the API's own cancel of a campaign whose
 * workflow was gone).
 */
const FINAL_OUTCOME_SQL = `coalesce(final_outcome, case when state = 'cancelled' then 'cancelled' end)`;

/**
 * Copies the campaign's contacts whose final outcome (FINAL_OUTCOME_SQL) is one of
 * `outcomes` into the list, keeping their line; returns how many.
 */
export async function copyCampaignContacts(
  client: PoolClient,
  listId: string,
  campaignId: string,
  outcomes: readonly string[],
): Promise<number> {
  const copied = await client.query(
    `insert into contact (list_id, line, phone_e164, name, variables)
     select $1, line, phone_e164, name, variables from campaign_contact
     where campaign_id = $2 and ${FINAL_OUTCOME_SQL} = any($3::text[])`,
    [listId, campaignId, [...outcomes]],
  );
  return copied.rowCount ?? 0;
}

/** Sets a copied list's totals: every row was imported. */
export async function setListTotal(client: PoolClient, listId: string, count: number): Promise<void> {
  await client.query('update contact_list set total_rows = $2, imported = $2 where id = $1', [listId, count]);
}

/**
 * The `raw` cell of the invalid-lines CSV, safe to open in a spreadsheet (F24): a cell that
 * starts with `=` `+` `-` `@`, a tab or a CR is a formula to Excel and LibreOffice, so it
 * gets a leading `'`, which makes it text (lib/csv.ts: the rule every CSV export shares).
 * Only `raw` is the uploader's text; `line` and `reason` are ours.
 * An invalid `+…` number thus reads `'+…`: the export is for people, the stored line and the
 * JSON `invalidSample` keep the text exactly as uploaded.
 */
const SPREADSHEET_SAFE_RAW = spreadsheetSafeSql('raw');

/**
 * The COPY … TO STDOUT of a list's invalid lines as CSV (`line,raw,reason`, `raw` always
 * quoted). COPY takes no parameters: the id is quoted by the connection's `escapeLiteral`.
 */
export function copyInvalidLinesCsv(client: PoolClient, listId: string): string {
  return `COPY (SELECT line, ${SPREADSHEET_SAFE_RAW} AS raw, reason FROM contact_invalid_line WHERE list_id = ${client.escapeLiteral(listId)} ORDER BY line) TO STDOUT WITH (FORMAT csv, HEADER true, FORCE_QUOTE (raw))`;
}
