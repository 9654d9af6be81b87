/**
 * `webhook_delivery`, the webhook outbox, in SQL: the deliveries a journal write enqueues (in
 * the caller's transaction) for the owner's subscribed `webhook`s, their dispatch to Temporal
 * (activities/webhook-dispatch.ts), and each try of the delivery activity
 * (activities/webhook.activities.ts), which only ever changes a delivery still pending.
 */
import type { WebhookAttemptLog, WebhookDeliveryStatus, WebhookEvent } from './entities/index.js';
import { insertColumns, type Pool, type PoolClient } from './sql.js';

/** The owner's active webhooks for a campaign's calls: owner-wide ones and the campaign's. */
export async function activeCampaignWebhooks(
  client: PoolClient,
  ownerId: string,
  campaignId: string,
): Promise<{ id: string; events: WebhookEvent[] }[]> {
  const { rows } = await client.query<{ id: string; events: WebhookEvent[] }>(
    `SELECT id, events FROM webhook
     WHERE owner_id = $1 AND active AND (campaign_id IS NULL OR campaign_id = $2)`,
    [ownerId, campaignId],
  );
  return rows;
}

/** The owner's active owner-wide webhooks (no campaign) subscribed to `event`. */
export async function activeOwnerWebhooksFor(client: PoolClient, ownerId: string, event: string): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM webhook WHERE owner_id = $1 AND active AND campaign_id IS NULL AND $2 = ANY(events)`,
    [ownerId, event],
  );
  return rows.map((r) => r.id);
}

/** A delivery to enqueue: pending, no try yet. */
export interface NewDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly event: string;
  /** The attempt id of the call. */
  readonly subject: string;
  readonly campaignId: string | null;
  readonly body: string;
  readonly createdAt: string;
}

const DELIVERY = insertColumns({
  id: '$1',
  webhook_id: '$2',
  event: '$3',
  subject: '$4',
  campaign_id: '$5',
  body: '$6',
  status: "'pending'",
  attempts: '0',
  attempt_log: "'[]'",
  created_at: '$7',
});

/**
 * Writes a pending delivery, unless the webhook has this event of this subject already
 * (left alone); true when it was written.
 */
export async function enqueueDelivery(client: PoolClient, d: NewDelivery): Promise<boolean> {
  const inserted = await client.query(
    `INSERT INTO webhook_delivery (${DELIVERY.names}) VALUES (${DELIVERY.values})
     ON CONFLICT (webhook_id, event, subject) DO NOTHING`,
    [d.id, d.webhookId, d.event, d.subject, d.campaignId, d.body, d.createdAt],
  );
  return inserted.rowCount === 1;
}

/** Marks these deliveries (their workflows just started) dispatched. */
export async function markDispatched(pool: Pool, ids: readonly string[]): Promise<void> {
  await pool.query('UPDATE webhook_delivery SET dispatched_at = now() WHERE id = ANY($1::uuid[])', [ids]);
}

/** Which undispatched deliveries to take: a campaign's, or those of calls without one written `minAgeMs` ago. */
export type UndispatchedScope = { readonly campaignId: string } | { readonly unscopedMinAgeMs: number };

/** Up to `limit` undispatched deliveries of the scope, oldest first. */
export async function undispatchedDeliveries(pool: Pool, scope: UndispatchedScope, limit: number): Promise<string[]> {
  const [where, value] =
    'campaignId' in scope
      ? ['campaign_id = $1', scope.campaignId]
      : [`campaign_id IS NULL AND created_at <= now() - $1 * interval '1 millisecond'`, scope.unscopedMinAgeMs];
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM webhook_delivery WHERE ${where} AND dispatched_at IS NULL
     ORDER BY created_at LIMIT $2`,
    [value, limit],
  );
  return rows.map((r) => r.id);
}

/** A delivery with what its POST needs from its webhook. */
export interface DeliveryTarget {
  readonly webhook_id: string;
  readonly event: string;
  readonly body: string;
  readonly status: WebhookDeliveryStatus;
  readonly url: string;
  readonly active: boolean;
  readonly secret_sealed: string;
}

export async function selectDeliveryTarget(pool: Pool, deliveryId: string): Promise<DeliveryTarget | undefined> {
  const { rows } = await pool.query<DeliveryTarget>(
    `SELECT d.webhook_id, d.event, d.body, d.status, w.url, w.active, w.secret_sealed
     FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id WHERE d.id = $1`,
    [deliveryId],
  );
  return rows[0];
}

/** Appends a try to the log; a verdict other than `retry` settles the delivery. Only a pending delivery changes. */
export async function recordDeliveryTry(
  pool: Pool,
  deliveryId: string,
  entry: WebhookAttemptLog,
  verdict: 'retry' | WebhookDeliveryStatus,
): Promise<void> {
  await pool.query(
    `UPDATE webhook_delivery SET attempts = attempts + 1, last_attempt_at = $2, last_status_code = $3,
       last_error = $4, attempt_log = attempt_log || $5::jsonb,
       status = CASE WHEN $6 = 'retry' THEN status ELSE $6 END,
       finished_at = CASE WHEN $6 = 'retry' THEN NULL ELSE now() END
     WHERE id = $1 AND status = 'pending'`,
    [deliveryId, entry.at, entry.statusCode, entry.error, JSON.stringify([entry]), verdict],
  );
}

/** Fails a pending delivery that is not sent at all. */
export async function failDelivery(pool: Pool, deliveryId: string, error: string): Promise<void> {
  await pool.query(
    `UPDATE webhook_delivery SET status = 'failed', last_error = $2, finished_at = now()
     WHERE id = $1 AND status = 'pending'`,
    [deliveryId, error],
  );
}

/** Fails a pending delivery whose workflow gave up retrying, keeping the last try's error when there is one. */
export async function giveUpDelivery(pool: Pool, deliveryId: string, reason: string): Promise<void> {
  await pool.query(
    `UPDATE webhook_delivery SET status = 'failed', finished_at = now(),
       last_error = coalesce(last_error, left($2, 500))
     WHERE id = $1 AND status = 'pending'`,
    [deliveryId, reason],
  );
}
