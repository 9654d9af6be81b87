/**
 * From the outbox to Temporal: starts the `deliverWebhook` workflow of each delivery written
 * with a journal row (webhook-outbox.ts) and not started yet. Idempotent, so it is called
 * after every write of journal rows, including by a retried activity that finds its attempt
 * already journalled (the worker may have died between the commit and the start): the
 * workflow id `webhook-<deliveryId>` is refused a second time (also once the first run has
 * closed), and the delivery activity sends nothing for a delivery already settled.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Pool } from '../db/sql.js';
import { webhookDeliveryWorkflow, type WebhookDeliveryWorkflow } from '../workflows/definitions.js';
import {
  webhookWorkflowId,
  type WebhookDeliveryInput,
  type WebhookDeliveryPolicy,
} from '../workflows/webhook-types.js';

export interface WebhookDispatchOptions {
  /** The queue the webhook worker serves (WEBHOOK_TASK_QUEUE), apart from the dialer's. */
  readonly taskQueue: string;
  readonly policy: WebhookDeliveryPolicy;
}

/** Starts per round trip; a campaign's backlog after an outage goes in rounds of this many. */
const BATCH = 100;

export class WebhookDispatcher {
  constructor(
    private readonly pool: Pool,
    private readonly temporal: Client,
    private readonly options: WebhookDispatchOptions,
  ) {}

  /**
   * Starts every delivery of the campaign that is still only in the outbox; returns how
   * many. Safe to call at any time, from several workers at once.
   */
  async dispatchCampaign(campaignId: string): Promise<number> {
    let started = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ id: string }>(
        `SELECT id FROM webhook_delivery WHERE campaign_id = $1 AND dispatched_at IS NULL ORDER BY created_at LIMIT $2`,
        [campaignId, BATCH],
      );
      if (rows.length === 0) return started;
      const ids = rows.map((r) => r.id);
      await Promise.all(ids.map((id) => this.start(id)));
      await this.pool.query('UPDATE webhook_delivery SET dispatched_at = now() WHERE id = ANY($1::uuid[])', [ids]);
      started += ids.length;
      if (rows.length < BATCH) return started;
    }
  }

  private async start(deliveryId: string): Promise<void> {
    const input: WebhookDeliveryInput = { deliveryId, policy: this.options.policy };
    try {
      await this.temporal.workflow.start<WebhookDeliveryWorkflow>(webhookDeliveryWorkflow, {
        taskQueue: this.options.taskQueue,
        workflowId: webhookWorkflowId(deliveryId),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
