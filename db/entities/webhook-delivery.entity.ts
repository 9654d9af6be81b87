import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Webhook } from './webhook.entity.js';

/**
 * - `pending`: written with the journal row (the outbox), being delivered or retried.
 * - `delivered`: the receiver answered 2xx.
 * - `failed`: a permanent refusal (4xx other than 408/429), the webhook was deactivated,
 *   or Temporal gave up retrying (WEBHOOK_GIVE_UP_AFTER_SECONDS).
 */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One try of a delivery, as the delivery log shows it. */
export interface WebhookAttemptLog {
  /** ISO 8601, when the POST started. */
  readonly at: string;
  readonly durationMs: number;
  /** The receiver's HTTP status; null when no answer came (timeout, connection refused…). */
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * One event for one webhook, and the log of its delivery. Written in the transaction that
 * journals the call (so an event is never lost nor invented), delivered afterwards by the
 * `deliverWebhook` workflow `webhook-<id>` (`dispatchedAt` says it was started). The id is
 * the `Voicecast-Delivery` header: the same on every retry, so receivers can deduplicate.
 * `(webhook, event, subject)` is unique: an event is enqueued once per webhook, whoever
 * journals the attempt.
 */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  uniques: [{ properties: ['webhook', 'event', 'subject'] }],
  indexes: [
    { properties: ['webhook', 'createdAt'] },
    {
      name: 'webhook_delivery_undispatched_index',
      expression:
        'create index "webhook_delivery_undispatched_index" on "webhook_delivery" ("campaign_id") where "dispatched_at" is null',
    },
  ],
  properties: {
    id: p.uuid().primary(),
    webhook: () => p.manyToOne(Webhook).deleteRule('cascade'),
    event: p.string().length(32),
    /** What the event is about: the call attempt's id (`<campaignContactId>:<attempt>`). */
    subject: p.string().length(64),
    /** The campaign of the call (no foreign key: the log outlives a deleted campaign's calls). */
    campaignId: p.uuid().nullable(),
    /** The JSON body, byte for byte as it is signed and sent on every try. */
    body: p.text(),
    status: p.enum(WEBHOOK_DELIVERY_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    lastStatusCode: p.integer().nullable(),
    lastError: p.string().length(500).nullable(),
    /** Every try, oldest first (bounded by the retry policy). */
    attemptLog: p.json<WebhookAttemptLog[]>(),
    createdAt: p.datetime(),
    /** When its workflow was started; null = still only in the outbox. */
    dispatchedAt: p.datetime().nullable(),
    lastAttemptAt: p.datetime().nullable(),
    /** When it was delivered or failed for good. */
    finishedAt: p.datetime().nullable(),
  },
});
export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;
