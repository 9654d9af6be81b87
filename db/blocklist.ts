/**
 * `blocklist`: the statements the API (api/blocklist/: one entry, bulk uploads) and the
 * worker (activities/blocklist.ts: the check before dialling, opt-outs) share. Reads and
 * deletes of single entries go through the `BlocklistEntry` entity. `created_at` is always
 * given from here, to the millisecond: the API pages the list by (created_at, id) with
 * cursors in ms.
 */
import type { Pool, PoolClient } from './sql.js';

/**
 * True when `phone` (E.164) is on `ownerId`'s blocklist now, or on an entry shared with the
 * department `ownerId` belongs to (issue 25). The unique key serves the first lookup, the
 * partial index on (department_id, phone_e164) the second.
 */
export async function isBlocked(pool: Pool, ownerId: string, phone: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `SELECT 1 FROM blocklist WHERE phone_e164 = $2
       AND (owner_id = $1 OR department_id = (SELECT u.department_id FROM "user" u WHERE u.id = $1))
     LIMIT 1`,
    [ownerId, phone],
  );
  return Boolean(rowCount);
}

/** The attempt whose callee opted out, as the opt-out entry records it. */
export interface OptOut {
  readonly ownerId: string;
  readonly phone: string;
  readonly campaignId: string;
  /** The attempt's journal row, when it is there, becomes the entry's call. */
  readonly attemptId: string;
}

/** An opt-out entry; a number already on the list keeps its first entry (idempotent). */
export async function insertOptOut(db: Pool | PoolClient, optOut: OptOut): Promise<void> {
  await db.query(
    `INSERT INTO blocklist (id, owner_id, phone_e164, reason, campaign_id, call_id, created_at)
     VALUES (gen_random_uuid(), $1, $2, 'opt_out', $3, (SELECT id FROM call_record WHERE attempt_id = $4), $5)
     ON CONFLICT (owner_id, phone_e164) DO NOTHING`,
    [optOut.ownerId, optOut.phone, optOut.campaignId, optOut.attemptId, new Date()],
  );
}

/**
 * A manual entry, or the one already there for the number (left as it is). One statement
 * whether or not the number is there: no race between a look-up and an insert. `xmax = 0`
 * holds for a row this statement inserted, not for one it found.
 */
export async function upsertManualEntry(
  pool: Pool,
  entry: { id: string; ownerId: string; phone: string; note: string | null },
): Promise<{ id: string; created: boolean }> {
  const { rows } = await pool.query<{ id: string; created: boolean }>(
    `INSERT INTO blocklist (id, owner_id, phone_e164, reason, note, created_at) VALUES ($1, $2, $3, 'manual', $4, $5)
     ON CONFLICT (owner_id, phone_e164) DO UPDATE SET phone_e164 = blocklist.phone_e164
     RETURNING id, (xmax = 0) AS created`,
    [entry.id, entry.ownerId, entry.phone, entry.note, new Date()],
  );
  return rows[0];
}

/** An upload's numbers go to this temporary table first (dropped when the transaction ends). */
export async function createUploadTable(client: PoolClient): Promise<void> {
  await client.query(
    `CREATE TEMPORARY TABLE blocklist_upload (line int, phone_e164 text, name text, variables text) ON COMMIT DROP`,
  );
}

/** COPY of the import pipeline's contacts (`line phone_e164 name variables`) into the upload table. */
export const COPY_UPLOAD = 'COPY blocklist_upload (line, phone_e164, name, variables) FROM STDIN';

/** Moves the upload table's numbers to the owner's blocklist (reason `upload`); returns how many were new. */
export async function insertUploaded(client: PoolClient, ownerId: string, note: string | null): Promise<number> {
  const { rowCount } = await client.query(
    `INSERT INTO blocklist (id, owner_id, phone_e164, reason, note, created_at)
     SELECT gen_random_uuid(), $1, phone_e164, 'upload', $2, $3 FROM blocklist_upload ORDER BY line
     ON CONFLICT (owner_id, phone_e164) DO NOTHING`,
    [ownerId, note, new Date()],
  );
  return rowCount ?? 0;
}
