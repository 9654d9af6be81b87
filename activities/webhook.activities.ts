/**
 * The activities of the webhook delivery workflow (workflows/webhook-delivery.workflow.ts):
 * one signed POST per execution, each try written to the delivery log. They run on the
 * webhook task queue only. The signing secret is opened for the POST and goes nowhere else
 * (no log line, no error, no failure message); neither does the body (it holds phone numbers).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { webhookSecretContext, type WebhookAttemptLog, type WebhookDeliveryStatus } from '../db/entities/index.js';
import type { Pool } from '../db/sql.js';
import type { Logger } from '../lib/logger.js';
import type { WebhookNetworks } from '../lib/webhook-networks.js';
import { SecretBoxError, type SecretBox } from '../lib/secret-box.js';
import type { WebhookActivities } from '../workflows/webhook-types.js';
import { postWebhook, retryDelayMs, verdictOf, type WebhookAnswer, type WebhookVerdict } from './webhook-post.js';

export interface WebhookActivityDeps {
  readonly pool: Pool;
  readonly secrets: SecretBox;
  /** Which destination addresses a POST may go to (WEBHOOK_ALLOWED_NETWORKS). */
  readonly networks: WebhookNetworks;
  readonly logger?: Logger;
}

interface DeliveryTarget {
  readonly webhook_id: string;
  readonly event: string;
  readonly body: string;
  readonly status: WebhookDeliveryStatus;
  readonly url: string;
  readonly active: boolean;
  readonly secret_sealed: string;
}

export function createWebhookActivities(deps: WebhookActivityDeps): WebhookActivities {
  const { pool } = deps;
  return {
    async sendWebhook({ deliveryId, timeoutMs, backoff }) {
      const { rows } = await pool.query<DeliveryTarget>(
        `SELECT d.webhook_id, d.event, d.body, d.status, w.url, w.active, w.secret_sealed
         FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id WHERE d.id = $1`,
        [deliveryId],
      );
      const target = rows[0];
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
      await recordTry(
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
      await pool.query(
        `UPDATE webhook_delivery SET status = 'failed', finished_at = now(),
           last_error = coalesce(last_error, left($2, 500))
         WHERE id = $1 AND status = 'pending'`,
        [deliveryId, `gave up retrying: ${reason}`],
      );
    },
  };
}

const describe = (answer: WebhookAnswer): string =>
  answer.statusCode === null ? answer.error : `the receiver answered HTTP ${answer.statusCode}`;

/** Appends a try to the log; a verdict other than `retry` settles the delivery. Only a pending delivery changes. */
async function recordTry(pool: Pool, deliveryId: string, entry: WebhookAttemptLog, verdict: WebhookVerdict) {
  await pool.query(
    `UPDATE webhook_delivery SET attempts = attempts + 1, last_attempt_at = $2, last_status_code = $3,
       last_error = $4, attempt_log = attempt_log || $5::jsonb,
       status = CASE WHEN $6 = 'retry' THEN status ELSE $6 END,
       finished_at = CASE WHEN $6 = 'retry' THEN NULL ELSE now() END
     WHERE id = $1 AND status = 'pending'`,
    [deliveryId, entry.at, entry.statusCode, entry.error, JSON.stringify([entry]), verdict],
  );
}

/** Fails a delivery that is not sent at all. */
async function finish(pool: Pool, deliveryId: string, error: string): Promise<'failed'> {
  await pool.query(
    `UPDATE webhook_delivery SET status = 'failed', last_error = $2, finished_at = now()
     WHERE id = $1 AND status = 'pending'`,
    [deliveryId, error],
  );
  return 'failed';
}
