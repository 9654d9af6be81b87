/**
 * The workflow, signal and query names are in the histories of running campaigns and in
 * Temporal's visibility queries: a renamed one would leave every running campaign unable to
 * replay or be steered. Renaming a constant is fine; the strings stay.
 */
import {
  campaignWorkflow,
  cancelSignal,
  checkWorkerWorkflow,
  pauseSignal,
  progressQuery,
  rescheduleSignal,
  resumeSignal,
  webhookDeliveryWorkflow,
} from './definitions.js';

describe('workflow definitions', () => {
  it('keep the names running workflows were started and signalled with', () => {
    expect([campaignWorkflow, checkWorkerWorkflow, webhookDeliveryWorkflow]).toEqual([
      'runCampaign',
      'checkWorker',
      'deliverWebhook',
    ]);
    expect([pauseSignal, resumeSignal, cancelSignal].map((s) => s.name)).toEqual([
      'pauseCampaign',
      'resumeCampaign',
      'cancelCampaign',
    ]);
    expect(rescheduleSignal.name).toBe('rescheduleCampaign');
    expect(progressQuery.name).toBe('campaignProgress');
  });
});
