import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client as TemporalClient } from '@temporalio/client';
import { requireAdmin, type Principal } from '../../auth/principal.js';
import { UpstreamError } from '../../lib/errors.js';
import { checkWorkerWorkflow, type CheckWorkerWorkflow } from '../../workflows/definitions.js';
import type { WorkerCheckResult } from '../../workflows/index.js';

/** How long a worker has to pick up and finish the check before we call it absent. */
const CHECK_TIMEOUT = '10 seconds';

export class SystemService {
  constructor(
    private readonly temporal: TemporalClient,
    private readonly taskQueue: string,
  ) {}

  /** Runs the check-worker workflow on the dialer task queue and returns what the worker saw. */
  async checkWorker(principal: Principal): Promise<WorkerCheckResult> {
    requireAdmin(principal, 'run system checks');
    try {
      return await this.temporal.workflow.execute<CheckWorkerWorkflow>(checkWorkerWorkflow, {
        taskQueue: this.taskQueue,
        workflowId: `check-worker-${randomUUID()}`,
        workflowExecutionTimeout: CHECK_TIMEOUT,
        args: [],
      });
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        throw new UpstreamError('Worker', `No worker completed the check on task queue ${this.taskQueue} in time.`);
      }
      throw new UpstreamError('Temporal', 'Temporal did not accept the check workflow.');
    }
  }
}
