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
import type { CallingWindow } from '../campaign/calling-window.js';
import { copyContactBatch, ZoneOpenings } from '../db/campaign-contacts.js';
import { inTransaction, type Pool } from '../db/sql.js';

/** Contacts per batch: ~0.1–0.3 s of copying each, one heartbeat and one progress update. */
export const PREPARE_BATCH = 10_000;

const STOPPED = ['completed', 'cancelled', 'expired', 'failed', 'draft'];

interface CampaignRow {
  status: string;
  contact_list_id: string | null;
  calling_window: CallingWindow | null;
}

export function createPrepareContacts(pool: Pool, batchSize = PREPARE_BATCH) {
  return async function prepareContacts({ campaignId }: { campaignId: string }): Promise<{ copied: number }> {
    const ctx = Context.current();
    let openings: ZoneOpenings | undefined;
    let copied = 0;
    for (;;) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      const step = await inTransaction(pool, async (client) => {
        // Shared with the API's status writes: a cancel commits before or after a whole batch.
        const { rows } = await client.query<CampaignRow>(
          'select status, contact_list_id, calling_window from campaign where id = $1 for share',
          [campaignId],
        );
        const campaign = rows[0];
        if (!campaign || STOPPED.includes(campaign.status)) return { done: true, stopped: true };
        const window = campaign.calling_window;
        if (window?.timezoneFrom === 'number') openings ??= new ZoneOpenings(window);
        const { rows: at } = await client.query<{ after: number }>(
          'select coalesce(max(line), -1) as after from campaign_contact where campaign_id = $1',
          [campaignId],
        );
        const batch = await copyContactBatch(client, {
          campaignId,
          listId: campaign.contact_list_id,
          window,
          ...(openings ? { openings } : {}),
          after: Number(at[0]?.after ?? -1),
          limit: batchSize,
        });
        if (batch.last === null) {
          await client.query(
            `update campaign set contacts_copied_at = now(), updated_at = now(),
                    contacts_copied = (select count(*) from campaign_contact where campaign_id = $1),
                    status = case when status = 'preparing' then 'running' else status end
              where id = $1`,
            [campaignId],
          );
          return { done: true, stopped: false };
        }
        await client.query('update campaign set contacts_copied = contacts_copied + $2 where id = $1', [
          campaignId,
          batch.copied,
        ]);
        copied += batch.copied;
        return { done: false, stopped: false };
      });
      ctx.heartbeat({ copied });
      if (step.done) return { copied };
    }
  };
}
