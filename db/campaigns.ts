/**
 * `campaign` in SQL: the statements that lock a campaign row or what it uses, copy one
 * set-based, or read the few columns a loop needs. Single campaigns are created, read and
 * changed through the `Campaign` entity.
 */
import type { CallingWindow } from '../campaign/calling-window.js';
import type { CallerIdPool } from '../campaign/caller-id-pool.js';
import type { MachineDetectionSetting } from '../campaign/machine-detection.js';
import type { CallOutcome } from '../campaign/outcomes.js';
import type { OutcomeRetries } from '../campaign/retry-policy.js';
import type { ComplianceProfile } from '../campaign/compliance-profile.js';
import type { TrunkShares } from '../campaign/trunk-shares.js';
import type { CampaignStatusValue } from './entities/index.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { insertColumns, sameColumns, type Pool, type PoolClient } from './sql.js';

/**
 * The campaign's status, owner and name under a share lock: it cannot change status (or be
 * deleted) until the transaction ends.
 */
export async function campaignForShare(
  client: PoolClient,
  campaignId: string,
): Promise<{ status: CampaignStatusValue; owner_id: string; name: string } | undefined> {
  const { rows } = await client.query<{ status: CampaignStatusValue; owner_id: string; name: string }>(
    'select status, owner_id, name from campaign where id = $1 for share',
    [campaignId],
  );
  return rows[0];
}

/** The campaign's owner, or undefined when there is no such campaign. */
export async function campaignOwner(pool: Pool, campaignId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ owner_id: string }>('SELECT owner_id FROM campaign WHERE id = $1', [campaignId]);
  return rows[0]?.owner_id;
}

/** The campaign's status, or undefined when it has been deleted. */
export async function selectCampaignStatus(pool: Pool, campaignId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM campaign WHERE id = $1', [campaignId]);
  return rows[0]?.status;
}

/** The campaign's calling window (null: none; undefined: no such campaign). */
export async function campaignCallingWindow(
  client: PoolClient,
  campaignId: string,
): Promise<CallingWindow | null | undefined> {
  const { rows } = await client.query<{ calling_window: CallingWindow | null }>(
    'SELECT calling_window FROM campaign WHERE id = $1',
    [campaignId],
  );
  return rows[0]?.calling_window;
}

/** The settings a re-run takes over from its parent as they are. */
const RERUN_COPIES = [
  'owner_id',
  'trunk_id',
  'fallback_trunk_ids',
  'trunk_shares',
  'audio_id',
  'max_concurrent_calls',
  'calls_per_second',
  'max_attempts',
  'retry_delay_seconds',
  'retry_on',
  'ring_timeout_seconds',
  'max_call_seconds',
  'calling_window',
  'record',
  'recordings_private',
  'caller_id_number',
  'caller_id_name',
  'opt_out_digit',
  'machine_detection',
  'retry_by_outcome',
  'caller_id_pool',
  'compliance_profile',
] as const;

const RERUN = insertColumns({
  id: '$1',
  name: '$3',
  status: "'draft'",
  contact_list_id: '$4',
  parent_campaign_id: 'id',
  ...sameColumns(RERUN_COPIES),
  created_at: 'now()',
  updated_at: 'now()',
});

/** A draft `id` named `name` over list `listId`, with the settings of `parentId` and linked to it. */
export async function insertRerunDraft(
  client: PoolClient,
  draft: { id: string; parentId: string; name: string; listId: string },
): Promise<void> {
  await client.query(`insert into campaign (${RERUN.names}) select ${RERUN.values} from campaign where id = $2`, [
    draft.id,
    draft.parentId,
    draft.name,
    draft.listId,
  ]);
}

/** A campaign the reconciler expects a workflow for (api/campaigns/campaign-reconciler.ts). */
export interface LiveCampaignRow {
  id: string;
  status: 'scheduled' | 'preparing' | 'running' | 'paused';
  owner_id: string;
  name: string;
  max_concurrent_calls: number;
  calling_window: CallingWindow | null;
  start_at: string | Date | null;
  end_at: string | Date | null;
}

/** Every campaign that is scheduled, preparing, running or paused. */
export async function liveCampaigns(pool: Pool): Promise<LiveCampaignRow[]> {
  const { rows } = await pool.query<LiveCampaignRow>(
    `select id, status, owner_id, name, max_concurrent_calls, calling_window, start_at, end_at
       from campaign where status in ('scheduled', 'preparing', 'running', 'paused')`,
  );
  return rows;
}

/** A campaign's status and schedule now, its calls so far, and whether its contacts are still being copied. */
export async function campaignRunState(
  pool: Pool,
  campaignId: string,
): Promise<
  | { status: string; calls: string; start_at: string | Date | null; end_at: string | Date | null; copying: boolean }
  | undefined
> {
  const { rows } = await pool.query<{
    status: string;
    calls: string;
    start_at: string | Date | null;
    end_at: string | Date | null;
    copying: boolean;
  }>(
    `select status, start_at, end_at, (select count(*) from call_record where campaign_id = $1) as calls,
            contacts_total is not null and contacts_copied_at is null as copying
       from campaign where id = $1`,
    [campaignId],
  );
  return rows[0];
}

/** The campaign references a trunk, audio message or contact list is used through. */
export type CampaignResource = 'trunk' | 'audio' | 'contactList';

const RESOURCE_TABLES: Record<CampaignResource, string> = {
  trunk: 'sip_trunk',
  audio: 'audio_message',
  contactList: 'contact_list',
};

/**
 * Locks the resource's row for update in `em`'s transaction: starting a campaign takes a
 * share lock on the same rows, so a start and a delete cannot pass each other.
 */
export async function lockCampaignResource(em: EntityManager, resource: CampaignResource, id: string): Promise<void> {
  await em.execute(`select 1 from "${RESOURCE_TABLES[resource]}" where "id" = ? for update`, [id]);
}

/**
 * Takes a trunk out of every campaign's fallback trunk group, in `em`'s transaction (the trunk's
 * delete; `trunk_id` goes null by its foreign key).
 */
export async function removeFallbackTrunk(em: EntityManager, trunkId: string): Promise<void> {
  await em.execute(
    'update "campaign" set "fallback_trunk_ids" = array_remove("fallback_trunk_ids", ?) where ? = any("fallback_trunk_ids")',
    [trunkId, trunkId],
  );
}

/** The columns of a `campaign` row the call activities read (activities/campaign-settings.ts). */
export interface CampaignRow {
  id: string;
  owner_id: string;
  trunk_id: string | null;
  fallback_trunk_ids: string[] | null;
  trunk_shares: TrunkShares | null;
  audio_id: string | null;
  calls_per_second: number;
  max_attempts: number;
  retry_delay_seconds: number;
  retry_on: CallOutcome[];
  retry_by_outcome: OutcomeRetries | null;
  ring_timeout_seconds: number;
  max_call_seconds: number;
  record: boolean;
  recordings_private: boolean;
  caller_id_number: string | null;
  caller_id_name: string | null;
  caller_id_pool: CallerIdPool | null;
  opt_out_digit: string | null;
  machine_detection: MachineDetectionSetting | null;
  compliance_profile: ComplianceProfile | null;
}

export async function selectCampaignRow(pool: Pool, campaignId: string): Promise<CampaignRow | undefined> {
  const { rows } = await pool.query<CampaignRow>('SELECT * FROM campaign WHERE id = $1', [campaignId]);
  return rows[0];
}

/**
 * What the background copy of a campaign's list needs, under a share lock: the API's status
 * writes commit before or after a whole batch, never in it.
 */
export async function campaignToPrepare(
  client: PoolClient,
  campaignId: string,
): Promise<{ status: string; contact_list_id: string | null; calling_window: CallingWindow | null } | undefined> {
  const { rows } = await client.query<{
    status: string;
    contact_list_id: string | null;
    calling_window: CallingWindow | null;
  }>('select status, contact_list_id, calling_window from campaign where id = $1 for share', [campaignId]);
  return rows[0];
}

/** Counts a batch of the background copy. */
export async function addContactsCopied(client: PoolClient, campaignId: string, copied: number): Promise<void> {
  await client.query('update campaign set contacts_copied = contacts_copied + $2 where id = $1', [campaignId, copied]);
}

/** The copy is done: its count made exact, and `preparing` becomes `running` (a paused campaign stays paused). */
export async function finishContactsCopy(client: PoolClient, campaignId: string): Promise<void> {
  await client.query(
    `update campaign set contacts_copied_at = now(), updated_at = now(),
            contacts_copied = (select count(*) from campaign_contact where campaign_id = $1),
            status = case when status = 'preparing' then 'running' else status end
      where id = $1`,
    [campaignId],
  );
}
