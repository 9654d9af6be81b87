/**
 * Re-running an ended campaign on the contacts whose final outcome is in a given set: a new
 * contact list made of those contacts (number, name, imported columns and their line in the
 * original file), and a new draft with the parent's settings over it, linked to the parent.
 * The list is an ordinary one (it shows in `GET /contact-lists`), so the draft starts, is
 * changed and is re-run again like any other. Set-based (`INSERT … SELECT`) in one
 * transaction: a million contacts are a few seconds of SQL, and a failure leaves nothing.
 */
import { randomUUID } from 'node:crypto';
import { ENDED_CAMPAIGN_STATUSES, type CampaignStatusValue } from '../../db/entities/index.js';
import { inTransaction, type Pool } from '../../db/sql.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { ContactOutcome } from '../../campaign/outcomes.js';

/** The longest campaign and list name (their columns). */
const NAME_MAX = 200;

/**
 * A contact's final outcome as a re-run selects it: `final_outcome`, or `cancelled` for a
 * contact the campaign's cancel settled without one (the API's own cancel of a campaign whose
 * workflow was gone).
 */
const FINAL_OUTCOME_SQL = `coalesce(final_outcome, case when state = 'cancelled' then 'cancelled' end)`;

export interface RerunRequest {
  readonly parentId: string;
  readonly outcomes: readonly ContactOutcome[];
  readonly name?: string;
}

/**
 * Creates the re-run and answers its id. The caller has checked that the parent is visible to
 * the principal; the copies belong to the parent's owner (as an administrator's changes do).
 */
export async function createRerun(pool: Pool, request: RerunRequest): Promise<string> {
  const { parentId, outcomes } = request;
  return inTransaction(pool, async (client) => {
    // Share lock: the parent cannot change status (or be deleted) while it is copied.
    const { rows } = await client.query<{ status: CampaignStatusValue; owner_id: string; name: string }>(
      'select status, owner_id, name from campaign where id = $1 for share',
      [parentId],
    );
    const parent = rows[0];
    if (!parent) throw new NotFoundError(`Campaign ${parentId}`);
    if (!ENDED_CAMPAIGN_STATUSES.includes(parent.status)) {
      throw new ConflictError(
        `Campaign ${parentId} is ${parent.status}: only a campaign that has ended (${ENDED_CAMPAIGN_STATUSES.join(', ')}) can be re-run.`,
      );
    }
    const name = request.name ?? `${parent.name.slice(0, NAME_MAX - ' (re-run)'.length)} (re-run)`;
    const listId = randomUUID();
    await client.query(
      `insert into contact_list (id, owner_id, name, status, default_country, total_rows, imported, duplicates, invalid, created_at)
       values ($1, $2, $3, 'ready', null, 0, 0, 0, 0, now())`,
      [listId, parent.owner_id, name],
    );
    const copied = await client.query(
      `insert into contact (list_id, line, phone_e164, name, variables)
       select $1, line, phone_e164, name, variables from campaign_contact
       where campaign_id = $2 and ${FINAL_OUTCOME_SQL} = any($3::text[])`,
      [listId, parentId, [...outcomes]],
    );
    const count = copied.rowCount ?? 0;
    if (count === 0) {
      throw new ValidationError(
        [{ field: 'body.outcomes', message: 'no contact of the campaign ended with any of these outcomes' }],
        'There is nobody to call again.',
      );
    }
    await client.query('update contact_list set total_rows = $2, imported = $2 where id = $1', [listId, count]);
    const id = randomUUID();
    await client.query(
      `insert into campaign (id, owner_id, name, status, trunk_id, fallback_trunk_ids, trunk_shares, audio_id, contact_list_id, parent_campaign_id,
         max_concurrent_calls, calls_per_second, max_attempts, retry_delay_seconds, retry_on, ring_timeout_seconds,
         max_call_seconds, calling_window, record, recordings_private, caller_id_number, caller_id_name, opt_out_digit,
         machine_detection, retry_by_outcome, caller_id_pool, compliance_profile, created_at, updated_at)
       select $1, owner_id, $3, 'draft', trunk_id, fallback_trunk_ids, trunk_shares, audio_id, $4, id,
         max_concurrent_calls, calls_per_second, max_attempts, retry_delay_seconds, retry_on, ring_timeout_seconds,
         max_call_seconds, calling_window, record, recordings_private, caller_id_number, caller_id_name, opt_out_digit,
         machine_detection, retry_by_outcome, caller_id_pool, compliance_profile, now(), now()
       from campaign where id = $2`,
      [id, parentId, name, listId],
    );
    return id;
  });
}
