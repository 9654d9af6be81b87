/**
 * The webhook outbox: a journalled attempt's events are written as `webhook_delivery` rows
 * in the transaction that writes its journal row, one per event per subscribed webhook, so
 * an event exists exactly when its call does. Starting their delivery workflows comes after
 * the commit (webhook-dispatch.ts).
 */
import { randomUUID } from 'node:crypto';
import type { WebhookEvent } from '../db/entities/index.js';
import type { PoolClient } from '../db/sql.js';
import { selectExternalJournalRow, selectJournalRowOfAttempt } from '../db/call-records.js';
import { activeCampaignWebhooks, activeOwnerWebhooksFor, enqueueDelivery } from '../db/webhook-deliveries.js';
import {
  callEvents,
  callIngestedData,
  recordingUploadedData,
  type JournalRow,
  type WebhookEnvelope,
} from './webhook-events.js';

/** The attempt whose journal row was just written (in the same transaction). */
export interface JournalledAttempt {
  readonly ownerId: string;
  readonly campaignId: string;
  readonly attemptId: string;
  /** Size of the recording, when there is one. */
  readonly recordingBytes?: number | null;
}

/**
 * Enqueues the attempt's events (those in `only`, when given) for the owner's active
 * webhooks (owner-wide and this campaign's). An event already enqueued for a webhook is left
 * alone. Costs one indexed query when the owner has no webhook.
 */
export async function enqueueCallEvents(
  client: PoolClient,
  attempt: JournalledAttempt,
  only?: readonly WebhookEvent[],
): Promise<void> {
  const hooks = await activeCampaignWebhooks(client, attempt.ownerId, attempt.campaignId);
  if (hooks.length === 0) return;
  const row = await selectJournalRowOfAttempt<JournalRow>(client, attempt.attemptId);
  if (!row) return;
  const createdAt = new Date().toISOString();
  const events = callEvents(row, attempt.recordingBytes ?? null).filter((e) => !only || only.includes(e.event));
  for (const hook of hooks) {
    for (const { event, data } of events.filter((e) => hook.events.includes(e.event))) {
      const id = randomUUID();
      const body = JSON.stringify({ id, event, createdAt, data } satisfies WebhookEnvelope);
      await enqueueDelivery(client, {
        id,
        webhookId: hook.id,
        event,
        subject: attempt.attemptId,
        campaignId: attempt.campaignId,
        body,
        createdAt,
      });
    }
  }
}

/**
 * The event of an external call (issue 24) the caller just wrote, in its transaction:
 * `call.ingested` when the call was first stored, `recording.uploaded` when its recording
 * was. Only the owner's owner-wide webhooks (no campaign) that subscribe to the event get a
 * delivery; the unique (webhook, event, subject) makes a second write of the same event a
 * no-op. Returns the ids of the deliveries written, for the caller to start after the commit
 * (a crash in between leaves them to the worker's sweep, webhook-dispatch.ts).
 */
export async function enqueueExternalCallEvent(
  client: PoolClient,
  call: { readonly ownerId: string; readonly callId: string },
  event: 'call.ingested' | 'recording.uploaded',
  recordingBytes: number | null = null,
): Promise<string[]> {
  const hooks = await activeOwnerWebhooksFor(client, call.ownerId, event);
  if (hooks.length === 0) return [];
  const row = await selectExternalJournalRow<JournalRow>(client, call.ownerId, call.callId);
  if (!row) return [];
  const createdAt = new Date().toISOString();
  const data = event === 'call.ingested' ? callIngestedData(row) : recordingUploadedData(row, recordingBytes);
  const ids: string[] = [];
  for (const webhookId of hooks) {
    const id = randomUUID();
    const body = JSON.stringify({ id, event, createdAt, data } satisfies WebhookEnvelope);
    const subject = row.attempt_id;
    if (await enqueueDelivery(client, { id, webhookId, event, subject, campaignId: null, body, createdAt }))
      ids.push(id);
  }
  return ids;
}
