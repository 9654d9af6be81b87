/**
 * The background copy of a large campaign's list (status `preparing`; issue 23). The start
 * request only marks the campaign and starts its workflow, so it answers at once whatever
 * the list's size; this activity, run by the workflow beside its first calls, copies the list
 * into `campaign_contact` in batches along the list's lines. Each batch is its own short
 * transaction that also counts the progress, so the claims of the running campaign and the
 * API's reads never wait for the copy, and calls go out to the first contacts within a batch.
 *
 * Idempotent and resumable: a retry (a worker killed, the database away) starts after the
 * last line copied (`max(line)`, from the unique index), and a line copied twice is skipped
 * (`on conflict do nothing`). A campaign that has finished meanwhile (cancelled, expired) is
 * copied no further. When the list is done, `preparing` becomes `running` (a pause in between
 * keeps `paused`; resume then writes `running`).
 */
import { Context } from '@temporalio/activity';
import { copyContactBatch, lastCopiedLine, ZoneOpenings } from '../db/campaign-contacts.js';
import { addContactsCopied, campaignToPrepare, finishContactsCopy } from '../db/campaigns.js';
import { inTransaction, type Pool } from '../db/sql.js';

/** Contacts per batch: ~0.1–0.3 s of copying each, one heartbeat and one progress update. */
export const PREPARE_BATCH = 10_000;

const STOPPED = ['completed', 'cancelled', 'expired', 'failed', 'draft'];

export function createPrepareContacts(pool: Pool, batchSize = PREPARE_BATCH) {
  return async function prepareContacts({ campaignId }: { campaignId: string }): Promise<{ copied: number }> {
    const ctx = Context.current();
    let openings: ZoneOpenings | undefined;
    let copied = 0;
    for (;;) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      const step = await inTransaction(pool, async (client) => {
        // Shared with the API's status writes: a cancel commits before or after a whole batch.
        const campaign = await campaignToPrepare(client, campaignId);
        if (!campaign || STOPPED.includes(campaign.status)) return { done: true, stopped: true };
        const window = campaign.calling_window;
        if (window?.timezoneFrom === 'number') openings ??= new ZoneOpenings(window);
        const batch = await copyContactBatch(client, {
          campaignId,
          listId: campaign.contact_list_id,
          window,
          ...(openings ? { openings } : {}),
          after: await lastCopiedLine(client, campaignId),
          limit: batchSize,
        });
        if (batch.last === null) {
          await finishContactsCopy(client, campaignId);
          return { done: true, stopped: false };
        }
        await addContactsCopied(client, campaignId, batch.copied);
        copied += batch.copied;
        return { done: false, stopped: false };
      });
      ctx.heartbeat({ copied });
      if (step.done) return { copied };
    }
  };
}
