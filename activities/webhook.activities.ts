/**
 * The activities of the webhook delivery workflow (workflows/webhook-delivery.workflow.ts):
 * one signed POST per execution, each try written to the delivery log. They run on the
 * webhook task queue only. The signing secret is opened for the POST and goes nowhere else
 * (no log line, no error, no failure message); neither does the body (it holds phone numbers).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { webhookSecretContext } from '../db/entities/index.js';
import type { Pool } from '../db/sql.js';
import { failDelivery, giveUpDelivery, recordDeliveryTry, selectDeliveryTarget } from '../db/webhook-deliveries.js';
import type { Logger } from '../lib/logger.js';
import type { WebhookNetworks } from '../lib/webhook-networks.js';
import { SecretBoxError, type SecretBox } from '../lib/secret-box.js';
import type { WebhookActivities } from '../workflows/webhook-types.js';
import { postWebhook, retryDelayMs, verdictOf, type WebhookAnswer } from './webhook-post.js';

export interface WebhookActivityDeps {
  readonly pool: Pool;
  readonly secrets: SecretBox;
  /** Which destination addresses a POST may go to (WEBHOOK_ALLOWED_NETWORKS). */
  readonly networks: WebhookNetworks;
  readonly logger?: Logger;
}

export function createWebhookActivities(deps: WebhookActivityDeps): WebhookActivities {
  const { pool } = deps;
  return {
    async sendWebhook({ deliveryId, timeoutMs, backoff }) {
      const target = await selectDeliveryTarget(pool, deliveryId);
      if (!target) return 'gone';
      // Settled already (this is a second workflow for it, or a retry after the log was written).
      if (target.status !== 'pending') return target.status;
      if (!target.active) return finish(pool, deliveryId, 'webhook deactivated');
      let secret: string;
      try {
        secret = deps.secrets.open(target.secret_sealed, webhookSecretContext(target.webhook_id));
      } catch (err) {
        if (!(err instanceof SecretBoxError)) throw err;
        return finish(pool, deliveryId, 'the signing secret cannot be opened with ENCRYPTION_KEYS: rotate it');
      }
      const at = new Date();
      const answer = await postWebhook({ ...target, deliveryId, secret, timeoutMs }, deps.networks, at);
      const verdict = verdictOf(answer);
      await recordDeliveryTry(
        pool,
        deliveryId,
        { at: at.toISOString(), durationMs: Date.now() - at.getTime(), ...answer },
        verdict,
      );
      deps.logger?.debug({ deliveryId, statusCode: answer.statusCode, error: answer.error, verdict }, 'webhook try');
      if (verdict === 'retry') {
        const retryAfterMs = answer.statusCode === null ? undefined : answer.retryAfterMs;
        throw ApplicationFailure.create({
          message: describe(answer),
          type: 'WebhookNotDelivered',
          // The receiver's Retry-After, when longer than the back-off; else Temporal's own back-off.
          ...(retryAfterMs !== undefined && backoff
            ? { nextRetryDelay: retryDelayMs(Context.current().info.attempt, backoff, retryAfterMs) }
            : {}),
        });
      }
      return verdict;
    },

    async giveUpWebhook({ deliveryId, reason }) {
      await giveUpDelivery(pool, deliveryId, `gave up retrying: ${reason}`);
    },
  };
}

const describe = (answer: WebhookAnswer): string =>
  answer.statusCode === null ? answer.error : `the receiver answered HTTP ${answer.statusCode}`;

/** Fails a delivery that is not sent at all. */
async function finish(pool: Pool, deliveryId: string, error: string): Promise<'failed'> {
  await failDelivery(pool, deliveryId, error);
  return 'failed';
}
