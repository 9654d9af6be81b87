/**
 * A campaign's status changes in SQL: the API's start (the row locked for update, the
 * resources it needs share-locked, the contacts copied, all in one transaction), its steering
 * its undoing of a start that Temporal refused, and the workflow's own status writes. Statuses are written through
 * RUNNING_OR_PREPARING (db/campaign-contacts.ts): `running` stays `preparing` while the
 * background copy runs.
 */
import type { CallingWindow } from '../campaign/calling-window.js';
import type { ComplianceProfile } from '../campaign/compliance-profile.js';
import { RUNNING_OR_PREPARING } from './campaign-contacts.js';
import type { CampaignStatusValue } from './entities/index.js';
import type { Pool, PoolClient } from './sql.js';

/** A draft as its start reads it. */
export interface StartRow {
  status: CampaignStatusValue;
  owner_id: string;
  name: string;
  trunk_id: string | null;
  fallback_trunk_ids: string[];
  audio_id: string | null;
  contact_list_id: string | null;
  max_concurrent_calls: number;
  calling_window: CallingWindow | null;
  ring_timeout_seconds: number;
  opt_out_digit: string | null;
  compliance_profile: ComplianceProfile;
  /** The owner's policy's profile; null: none. */
  owner_profile: ComplianceProfile | null;
  // Text or Date: the ORM's pool leaves timestamps as text.
  start_at: string | Date | null;
  end_at: string | Date | null;
  /** start_at lies ahead: the campaign becomes `scheduled`. */
  later: boolean;
  /** end_at has passed: nothing to start. */
  over: boolean;
  /** The list's contacts (contact_list.imported). */
  contacts: number | null;
}

/** The campaign to start, locked for update until the transaction ends. */
export async function campaignToStart(client: PoolClient, campaignId: string): Promise<StartRow | undefined> {
  const { rows } = await client.query<StartRow>(
    `select status, owner_id, name, trunk_id, fallback_trunk_ids, audio_id, contact_list_id, max_concurrent_calls,
            calling_window, ring_timeout_seconds, opt_out_digit, compliance_profile,
            (select p.compliance_profile from owner_policy p where p.owner_id = campaign.owner_id) as owner_profile,
            start_at, end_at, coalesce(start_at > now(), false) as later,
            coalesce(end_at <= now(), false) as over,
            (select imported from contact_list l where l.id = campaign.contact_list_id) as contacts
       from campaign where id = $1 for update`,
    [campaignId],
  );
  return rows[0];
}

/** The tables whose rows a start share-locks (so they cannot be deleted meanwhile). */
export type StartResourceTable = 'sip_trunk' | 'audio_message' | 'contact_list';

/** Share-locks the row `id` of `table` (FOR KEY SHARE); false when it is gone. */
export async function keyShareLock(client: PoolClient, table: StartResourceTable, id: string): Promise<boolean> {
  return ((await client.query(`select 1 from ${table} where id = $1 for key share`, [id])).rowCount ?? 0) > 0;
}

/** Share-locks the trunks of `ids`; returns how many exist. */
export async function keyShareLockTrunks(client: PoolClient, ids: readonly string[]): Promise<number> {
  const { rowCount } = await client.query('select 1 from sip_trunk where id = any($1::uuid[]) for key share', [ids]);
  return rowCount ?? 0;
}

/** Writes a start: the new status, and the background copy's total (null: copied already). */
export async function markStarted(
  client: PoolClient,
  campaignId: string,
  status: 'scheduled' | 'preparing' | 'running',
  contactsTotal: number | null,
): Promise<void> {
  await client.query(
    `update campaign set status = $2, started_at = now(), finished_at = null, updated_at = now(),
            contacts_total = $3, contacts_copied = 0, contacts_copied_at = null
      where id = $1`,
    [campaignId, status, contactsTotal],
  );
}

/** Moves the campaign to `to` if its status is one of `from`; a cancel also sets `finished_at`. */
export async function setStatusFrom(
  pool: Pool,
  campaignId: string,
  from: readonly CampaignStatusValue[],
  to: CampaignStatusValue,
): Promise<void> {
  const finished = to === 'cancelled' ? ', finished_at = coalesce(finished_at, now())' : '';
  await pool.query(
    `update campaign set status = ${RUNNING_OR_PREPARING('$2::text')}, updated_at = now()${finished}
      where id = $1 and status = any($3::text[])`,
    [campaignId, to, [...from]],
  );
}

/** A started campaign back to draft (its workflow did not start); the caller has deleted its contacts. */
export async function backToDraft(client: PoolClient, campaignId: string): Promise<void> {
  await client.query(
    `update campaign set status = 'draft', started_at = null, updated_at = now(), contacts_total = null
      where id = $1 and status in ('running', 'scheduled', 'preparing')`,
    [campaignId],
  );
}

/**
 * The workflow's status write. A finished status (one of `finished`) is never taken back: the
 * workflow's write of `paused` for a pause signal may land after the API already wrote
 * `cancelled` for the cancel that followed.
 */
export async function writeWorkflowStatus(
  pool: Pool,
  campaignId: string,
  status: string,
  finished: readonly string[],
): Promise<void> {
  await pool.query(
    `UPDATE campaign SET status = ${RUNNING_OR_PREPARING('$2::text')}, updated_at = now(),
       started_at = CASE WHEN $2 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
       finished_at = CASE WHEN $2 = ANY($3::text[]) THEN coalesce(finished_at, now()) ELSE NULL END
     WHERE id = $1 AND (status <> ALL($3::text[]) OR $2 = ANY($3::text[]))`,
    [campaignId, status, finished],
  );
}

/**
 * A scheduled campaign begins (its startAt, if any, is not after `now`); answers its status
 * and schedule after the statement either way, undefined when it is gone. One statement: the
 * API's PATCH (which locks the row) either moved startAt before this or finds the campaign
 * running and answers 409.
 */
export async function beginScheduled<S extends string>(
  pool: Pool,
  campaignId: string,
  now: string,
): Promise<{ status: S; start_at: string | Date | null; end_at: string | Date | null } | undefined> {
  const { rows } = await pool.query<{ status: S; start_at: string | Date | null; end_at: string | Date | null }>(
    `WITH begun AS (
       UPDATE campaign SET status = ${RUNNING_OR_PREPARING("'running'")}, started_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'scheduled' AND (start_at IS NULL OR start_at <= $2::timestamptz)
       RETURNING status, start_at, end_at)
     SELECT status, start_at, end_at FROM begun
     UNION ALL SELECT status, start_at, end_at FROM campaign WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM begun)`,
    [campaignId, now],
  );
  return rows[0];
}
