/**
 * The contract between the webhook delivery workflow, its activities and whoever starts it
 * (activities/webhook-dispatch.ts): plain data only, it crosses Temporal's payload converter.
 */

/** How one delivery is tried; from the worker's configuration (WEBHOOK_*), fixed at start. */
export interface WebhookDeliveryPolicy {
  /** Time limit of one POST, ms: connecting, sending and the receiver's answer. */
  readonly attemptTimeoutMs: number;
  /** Wait before the first retry, ms; doubled each time up to `maxRetryIntervalMs`. */
  readonly initialRetryMs: number;
  readonly maxRetryIntervalMs: number;
  /** No retry is started this long after the first try; the delivery then fails. */
  readonly giveUpAfterMs: number;
}

export interface WebhookDeliveryInput {
  /** `webhook_delivery.id`; the workflow id is `webhook-<deliveryId>`. */
  readonly deliveryId: string;
  readonly policy: WebhookDeliveryPolicy;
}

/**
 * - `delivered`: the receiver answered 2xx.
 * - `failed`: refused for good (see {@link WebhookActivities.sendWebhook}) or given up on.
 * - `gone`: the delivery no longer exists (its webhook was deleted); nothing was sent.
 */
export type WebhookDeliveryResult = 'delivered' | 'failed' | 'gone';

/** The workflow id of a delivery: starting it twice is harmless (the second start is refused). */
export const webhookWorkflowId = (deliveryId: string): string => `webhook-${deliveryId}`;

export interface WebhookActivities {
  /**
   * POSTs the delivery's body, signed with its webhook's current secret, to its current URL
   * and records the try in the delivery log. Resolves `delivered` on 2xx; `failed` on an
   * answer that retrying will not change (3xx, 4xx other than 408 and 429) or when the
   * webhook was deactivated; `gone` when the delivery was deleted. Throws, for Temporal to
   * retry, on 5xx, 408, 429, a timeout or a connection error; a `Retry-After` longer than
   * `backoff` would wait sets the next try's delay (at most `backoff.maxIntervalMs`).
   * `backoff` repeats the workflow's retry policy; a delivery started before it was passed
   * has none and ignores `Retry-After`.
   */
  sendWebhook(input: {
    deliveryId: string;
    timeoutMs: number;
    backoff?: { initialMs: number; maxIntervalMs: number };
  }): Promise<WebhookDeliveryResult>;
  /** Marks a delivery failed for good once Temporal stopped retrying (a delivered one stays delivered). */
  giveUpWebhook(input: { deliveryId: string; reason: string }): Promise<void>;
}
