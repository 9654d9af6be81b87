/** The workflow bundle: every workflow the worker serves. Only Temporal-safe code below here. */
export { checkWorker, type WorkerCheckResult } from './check-worker.workflow.js';
export { runCampaign } from './campaign.workflow.js';
export { deliverWebhook } from './webhook-delivery.workflow.js';
