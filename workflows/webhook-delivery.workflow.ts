/**
 * One webhook delivery, `webhook-<deliveryId>`: the `sendWebhook` activity retried by
 * Temporal with exponential back-off (or the receiver's longer `Retry-After`) until the receiver takes it (2xx), refuses it for good
 * (most 4xx), or `giveUpAfterMs` has passed since the first try; then it is marked failed.
 * Runs on the webhook task queue (WEBHOOK_TASK_QUEUE), apart from the calls: a slow or dead
 * receiver holds webhook slots only, never a dialer's.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities, WebhookDeliveryInput, WebhookDeliveryResult } from './webhook-types.js';

/** Beyond the POST's own limit: reading the delivery and writing the log. */
const BOOKKEEPING_MS = 10_000;

export async function deliverWebhook(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { policy, deliveryId } = input;
  const send = proxyActivities<WebhookActivities>({
    startToCloseTimeout: policy.attemptTimeoutMs + BOOKKEEPING_MS,
    scheduleToCloseTimeout: policy.giveUpAfterMs,
    retry: {
      initialInterval: policy.initialRetryMs,
      backoffCoefficient: 2,
      maximumInterval: policy.maxRetryIntervalMs,
    },
  });
  const bookkeeping = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  try {
    const backoff = { initialMs: policy.initialRetryMs, maxIntervalMs: policy.maxRetryIntervalMs };
    return await send.sendWebhook({ deliveryId, timeoutMs: policy.attemptTimeoutMs, backoff });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await bookkeeping.giveUpWebhook({ deliveryId, reason: err.cause?.message ?? err.message });
    return 'failed';
  }
}
