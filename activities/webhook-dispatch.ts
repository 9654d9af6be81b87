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
import { markDispatched, undispatchedDeliveries, type UndispatchedScope } from '../db/webhook-deliveries.js';
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
    return this.drain({ campaignId });
  }

  /**
   * Starts the deliveries of calls without a campaign (external calls, issue 24) still only
   * in the outbox and written at least `minAgeMs` ago: the API starts its own right after its
   * commit, so this sweep (the worker's, every minute) only picks up those an API process
   * died before starting. Safe beside the API's own start (a second start is refused).
   */
  async dispatchUnscoped(minAgeMs = 0): Promise<number> {
    return this.drain({ unscopedMinAgeMs: minAgeMs });
  }

  /** Starts these deliveries (just committed by the caller) and marks them dispatched. */
  async dispatch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await Promise.all(ids.map((id) => this.start(id)));
    await markDispatched(this.pool, ids);
  }

  /** Dispatches the scope's undispatched deliveries, oldest first, in rounds of {@link BATCH}. */
  private async drain(scope: UndispatchedScope): Promise<number> {
    let started = 0;
    for (;;) {
      const ids = await undispatchedDeliveries(this.pool, scope, BATCH);
      if (ids.length === 0) return started;
      await this.dispatch(ids);
      started += ids.length;
      if (ids.length < BATCH) return started;
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

/** How often the worker sweeps the outbox for deliveries of calls without a campaign. */
export const UNSCOPED_SWEEP_MS = 60_000;
/** Younger deliveries are left to the API process that wrote them (it starts them after its commit). */
export const UNSCOPED_GRACE_MS = 30_000;

/**
 * The worker's sweep for external calls' deliveries (issue 24): those an API process wrote
 * but did not start (it died after the commit, or Temporal was unreachable). Campaign
 * deliveries need none: their activities dispatch again on every claim. Returns the stop.
 */
export function sweepUnscopedDeliveries(
  dispatcher: Pick<WebhookDispatcher, 'dispatchUnscoped'>,
  onError: (err: unknown) => void,
  everyMs = UNSCOPED_SWEEP_MS,
  graceMs = UNSCOPED_GRACE_MS,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    dispatcher
      .dispatchUnscoped(graceMs)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
