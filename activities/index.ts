/**
 * Every activity the worker registers, built by a factory that receives its dependencies.
 * Workflows import only the *type* of this module.
 */
import { createCampaignActivities, type CampaignActivityDeps } from './campaign.activities.js';
import { createSystemActivities, type SystemActivityDeps } from './system.activities.js';

export type { WorkerReport } from './system.activities.js';
export { sweepUnscopedDeliveries, WebhookDispatcher, type WebhookDispatchOptions } from './webhook-dispatch.js';
export { RecordingUploader, type RecordingUploaderOptions } from './recording-outbox.js';
export { RecordingSpool } from './recording-spool.js';

export type ActivityDeps = SystemActivityDeps & CampaignActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return { ...createSystemActivities(deps), ...createCampaignActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * The webhook delivery activities, for the worker of the webhook task queue: kept off the
 * dialer's queue so that slow receivers never take the slots calls need.
 */
export { createWebhookActivities, type WebhookActivityDeps } from './webhook.activities.js';
