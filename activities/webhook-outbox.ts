/**
 * The webhook outbox: a journalled attempt's events are written as `webhook_delivery` rows
 * in the transaction that writes its journal row, one per event per subscribed webhook, so
 * an event exists exactly when its call does. Starting their delivery workflows comes after
 * the commit (webhook-dispatch.ts).
 */
import { randomUUID } from 'node:crypto';
import type { WebhookEvent } from '../db/entities/index.js';
import type { PoolClient } from '../db/sql.js';
import { CONTACT_VARIABLES } from '../campaign/journal-codes.js';
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
  const hooks = await client.query<{ id: string; events: WebhookEvent[] }>(
    `SELECT id, events FROM webhook
     WHERE owner_id = $1 AND active AND (campaign_id IS NULL OR campaign_id = $2)`,
    [attempt.ownerId, attempt.campaignId],
  );
  if (hooks.rows.length === 0) return;
  const { rows } = await client.query<JournalRow>(
    `SELECT *, ${CONTACT_VARIABLES} AS variables FROM call_record WHERE attempt_id = $1`,
    [attempt.attemptId],
  );
  const row = rows[0];
  if (!row) return;
  const createdAt = new Date().toISOString();
  const events = callEvents(row, attempt.recordingBytes ?? null).filter((e) => !only || only.includes(e.event));
  for (const hook of hooks.rows) {
    for (const { event, data } of events.filter((e) => hook.events.includes(e.event))) {
      const id = randomUUID();
      const body = JSON.stringify({ id, event, createdAt, data } satisfies WebhookEnvelope);
      await client.query(
        `INSERT INTO webhook_delivery (id, webhook_id, event, subject, campaign_id, body, status, attempts, attempt_log,
           created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, '[]', $7)
         ON CONFLICT (webhook_id, event, subject) DO NOTHING`,
        [id, hook.id, event, attempt.attemptId, attempt.campaignId, body, createdAt],
      );
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
  const hooks = await client.query<{ id: string }>(
    `SELECT id FROM webhook WHERE owner_id = $1 AND active AND campaign_id IS NULL AND $2 = ANY(events)`,
    [call.ownerId, event],
  );
  if (hooks.rows.length === 0) return [];
  const { rows } = await client.query<JournalRow>(
    'SELECT * FROM call_record WHERE id = $1 AND owner_id = $2 AND source IS NOT NULL',
    [call.callId, call.ownerId],
  );
  const row = rows[0];
  if (!row) return [];
  const createdAt = new Date().toISOString();
  const data = event === 'call.ingested' ? callIngestedData(row) : recordingUploadedData(row, recordingBytes);
  const ids: string[] = [];
  for (const hook of hooks.rows) {
    const id = randomUUID();
    const body = JSON.stringify({ id, event, createdAt, data } satisfies WebhookEnvelope);
    const inserted = await client.query(
      `INSERT INTO webhook_delivery (id, webhook_id, event, subject, campaign_id, body, status, attempts, attempt_log,
         created_at)
       VALUES ($1, $2, $3, $4, NULL, $5, 'pending', 0, '[]', $6)
       ON CONFLICT (webhook_id, event, subject) DO NOTHING`,
      [id, hook.id, event, row.attempt_id, body, createdAt],
    );
    if (inserted.rowCount === 1) ids.push(id);
  }
  return ids;
}
