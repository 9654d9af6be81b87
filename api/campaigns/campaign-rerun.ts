/**
 * Re-running an ended campaign on the contacts whose final outcome is in a given set: a new
 * contact list made of those contacts (number, name, imported columns and their line in the
 * original file), and a new draft with the parent's settings over it, linked to the parent.
 * The list is an ordinary one (it shows in `GET /contact-lists`), so the draft starts, is
 * changed and is re-run again like any other. Set-based (`INSERT … SELECT`) in one
 * transaction: a million contacts are a few seconds of SQL, and a failure leaves nothing.
 */
import { randomUUID } from 'node:crypto';
import { campaignForShare, insertRerunDraft } from '../../db/campaigns.js';
import { copyCampaignContacts, insertReadyList, setListTotal } from '../../db/contact-lists.js';
import { ENDED_CAMPAIGN_STATUSES } from '../../db/entities/index.js';
import { inTransaction, type Pool } from '../../db/sql.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { ContactOutcome } from '../../campaign/outcomes.js';

/** The longest campaign and list name (their columns). */
const NAME_MAX = 200;

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
    const parent = await campaignForShare(client, parentId);
    if (!parent) throw new NotFoundError(`Campaign ${parentId}`);
    if (!ENDED_CAMPAIGN_STATUSES.includes(parent.status)) {
      throw new ConflictError(
        `Campaign ${parentId} is ${parent.status}: only a campaign that has ended (${ENDED_CAMPAIGN_STATUSES.join(', ')}) can be re-run.`,
      );
    }
    const name = request.name ?? `${parent.name.slice(0, NAME_MAX - ' (re-run)'.length)} (re-run)`;
    const listId = randomUUID();
    await insertReadyList(client, listId, parent.owner_id, name);
    const count = await copyCampaignContacts(client, listId, parentId, outcomes);
    if (count === 0) {
      throw new ValidationError(
        [{ field: 'body.outcomes', message: 'no contact of the campaign ended with any of these outcomes' }],
        'There is nobody to call again.',
      );
    }
    await setListTotal(client, listId, count);
    const id = randomUUID();
    await insertRerunDraft(client, { id, parentId, name, listId });
    return id;
  });
}
