/**
 * How the API, the worker's dispatchers and the tests reach the workflows: each workflow's
 * type name with its signature, and the campaign workflow's signals and query. Definitions
 * only: this module imports nothing but `define*` from @temporalio/workflow and types, so
 * importing it brings no workflow code into the API (the workflow functions are referred to
 * by `import type`, and the compiler checks that each name is one workflows/index.ts exports).
 *
 * The names below are in the histories of running workflows and in Temporal's visibility
 * queries: renaming one breaks the replay of every campaign that is running. Rename the
 * constant if you must, never the string.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CampaignLiveState, CampaignSchedule } from '../campaign/campaign-types.js';
import type * as workflows from './index.js';

type Workflows = typeof workflows;

// --- Workflows (the worker registers each under its export name in workflows/index.ts) ---

/** One workflow per campaign (`campaign-<id>`): workflows/campaign.workflow.ts. */
export const campaignWorkflow = 'runCampaign' satisfies keyof Workflows;
export type CampaignWorkflow = Workflows[typeof campaignWorkflow];

/** Runs one activity on whichever worker takes it: workflows/check-worker.workflow.ts. */
export const checkWorkerWorkflow = 'checkWorker' satisfies keyof Workflows;
export type CheckWorkerWorkflow = Workflows[typeof checkWorkerWorkflow];

/** One webhook delivery (`webhook-<id>`): workflows/webhook-delivery.workflow.ts. */
export const webhookDeliveryWorkflow = 'deliverWebhook' satisfies keyof Workflows;
export type WebhookDeliveryWorkflow = Workflows[typeof webhookDeliveryWorkflow];

// --- The campaign workflow's signals and query ---

/** Stop placing new calls; calls in flight finish. */
export const pauseSignal = defineSignal('pauseCampaign');
/** Go on placing calls after a pause. */
export const resumeSignal = defineSignal('resumeCampaign');
/** Hang up live calls, mark the contacts not done cancelled, end the workflow. */
export const cancelSignal = defineSignal('cancelCampaign');
/**
 * A scheduled campaign's new `startAt` / `endAt`, sent by the API after it stored them (only
 * while the campaign is `scheduled`): the workflow's timer moves at once. The database stays
 * the authority: when the timer fires the workflow checks the stored schedule
 * (`beginScheduledCampaign`), so a signal lost after the API's commit costs no correctness.
 */
export const rescheduleSignal = defineSignal<[CampaignSchedule]>('rescheduleCampaign');
/** The workflow's live view: status, calls in flight, calls started, the window it waits for. */
export const progressQuery = defineQuery<CampaignLiveState>('campaignProgress');

/** The signals that steer a campaign. */
export type CampaignSignal = typeof pauseSignal | typeof resumeSignal | typeof cancelSignal;
