/**
 * The API's side of the campaign workflows: start one, signal it, ask it for its progress.
 * Everything Temporal-specific the campaign services need, in one place.
 */
import { WorkflowClient, WorkflowNotFoundError, type Client as TemporalClient } from '@temporalio/client';
import type { Logger } from '../../lib/logger.js';
import type {
  CampaignLiveState,
  CampaignRunInput,
  CampaignRunSettings,
  CampaignSchedule,
} from '../../campaign/campaign-types.js';
import type { CallingWindow } from '../../campaign/calling-window.js';
import {
  campaignWorkflow,
  progressQuery,
  rescheduleSignal,
  type CampaignSignal,
  type CampaignWorkflow,
} from '../../workflows/definitions.js';

/** How long `GET /campaigns/{id}` waits for the workflow's answer before showing DB figures only. */
const PROGRESS_QUERY_TIMEOUT_MS = 2000;
/** Longest wait for Temporal to take (or end) a workflow, so a dead Temporal is a prompt 503. */
const START_TIMEOUT_MS = 10_000;

/** CAMPAIGN_CALL_RETRY_* for the workflows' input: absent at the defaults (2 s, 15 s), which the workflow applies itself. */
export function callRetrySetting(retry: {
  readonly initialIntervalMs: number;
  readonly maximumIntervalMs: number;
}): CampaignRunSettings['callRetry'] {
  return retry.initialIntervalMs === 2000 && retry.maximumIntervalMs === 15_000 ? undefined : { ...retry };
}

/** The workflow of campaign `id`: one per campaign, found by this id in the Web UI too. */
export const campaignWorkflowId = (id: string): string => `campaign-${id}`;

export interface CampaignStart {
  readonly campaignId: string;
  readonly ownerId: string;
  readonly name: string;
  readonly maxConcurrentCalls: number;
  readonly callingWindow: CallingWindow | null;
  /** `startAt` only when the campaign is `scheduled` (the workflow waits for it); else null. */
  readonly schedule: CampaignSchedule;
  /** The list is copied by the workflow (`preparing`), not yet (or not wholly) by the start. */
  readonly prepare?: boolean;
}

export class CampaignWorkflows {
  /**
   * Queries through this client are refused once the workflow has closed: Temporal would
   * otherwise answer from the replayed history of a finished or terminated run, showing
   * calls "in flight" that ended long ago.
   */
  private readonly openOnly: WorkflowClient;

  constructor(
    private readonly temporal: TemporalClient,
    private readonly taskQueue: string,
    private readonly logger: Logger,
    /** CAMPAIGN_CALL_RETRY_* when not at their defaults (see CampaignRunSettings.callRetry). */
    private readonly callRetry?: CampaignRunSettings['callRetry'],
  ) {
    this.openOnly = new WorkflowClient({
      connection: temporal.connection,
      namespace: temporal.options.namespace,
      queryRejectCondition: 'NOT_OPEN',
    });
  }

  /**
   * Starts the campaign's workflow; rejects when Temporal does not take it (the caller undoes its part).
   * `resume` starts the workflow of a campaign that is already running (the reconciler): with
   * its pause and the calls it has placed so far.
   */
  async start(campaign: CampaignStart, resume?: { paused: boolean; callsStarted: number }): Promise<void> {
    const input: CampaignRunInput = {
      campaignId: campaign.campaignId,
      ownerId: campaign.ownerId,
      settings: {
        maxConcurrentCalls: campaign.maxConcurrentCalls,
        ...(campaign.callingWindow ? { callingWindow: campaign.callingWindow } : {}),
        ...(this.callRetry ? { callRetry: this.callRetry } : {}),
      },
      schedule: campaign.schedule,
      ...(resume ? { carry: { ...resume, runs: 0 } } : {}),
      ...(campaign.prepare ? { prepare: true } : {}),
    };
    const scheduled = !resume && campaign.schedule.startAt !== null;
    const id = campaign.campaignId;
    await this.temporal.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
      this.temporal.workflow.start<CampaignWorkflow>(campaignWorkflow, {
        taskQueue: this.taskQueue,
        workflowId: campaignWorkflowId(id),
        args: [input],
        // Search attributes hold ids only: no phone numbers (personal data) in Temporal's index.
        searchAttributes: {
          CampaignId: [id],
          OwnerId: [campaign.ownerId],
          CampaignStatus: [
            scheduled ? 'scheduled' : resume?.paused ? 'paused' : campaign.prepare ? 'preparing' : 'running',
          ],
        },
        // The schedule as memo too: the Web UI shows when a `scheduled` campaign fires.
        memo: {
          name: campaign.name,
          ...(campaign.schedule.startAt ? { startAt: campaign.schedule.startAt } : {}),
          ...(campaign.schedule.endAt ? { endAt: campaign.schedule.endAt } : {}),
        },
      }),
    );
  }

  /**
   * Sends `signal` (workflows/definitions.ts) to the campaign's running workflow. Resolves false when there is no
   * such workflow running (it ended, or was terminated from outside); other failures reject.
   */
  async signal(campaignId: string, signal: CampaignSignal): Promise<boolean> {
    try {
      await this.temporal.workflow.getHandle(campaignWorkflowId(campaignId)).signal(signal);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Tells a scheduled campaign's workflow its new schedule (already stored). Best effort: a
   * signal that does not arrive only delays a `startAt` moved earlier until the old one,
   * where the workflow reads the stored schedule (a later one is then waited for).
   */
  async reschedule(campaignId: string, schedule: CampaignSchedule): Promise<void> {
    try {
      await this.temporal.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
        this.temporal.workflow.getHandle(campaignWorkflowId(campaignId)).signal(rescheduleSignal, schedule),
      );
    } catch (err) {
      this.logger.warn({ campaignId, error: String(err) }, 'could not tell the campaign workflow its new schedule');
    }
  }

  /** Whether the campaign's workflow is open (running); false when it ended or never existed. */
  async isOpen(campaignId: string): Promise<boolean> {
    try {
      const description = await this.temporal.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
        this.temporal.workflow.getHandle(campaignWorkflowId(campaignId)).describe(),
      );
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** The campaign ids of every open campaign workflow (Temporal's visibility). */
  async openCampaignIds(): Promise<string[]> {
    const ids: string[] = [];
    const prefix = campaignWorkflowId('');
    const open = this.temporal.workflow.list({
      query: `WorkflowType = '${campaignWorkflow}' AND ExecutionStatus = 'Running'`,
    });
    for await (const execution of open) {
      if (execution.workflowId.startsWith(prefix)) ids.push(execution.workflowId.slice(prefix.length));
    }
    return ids;
  }

  /**
   * Best effort: ends the campaign's workflow if it exists. Used when a start failed in a way
   * that leaves it unknown whether Temporal took the workflow (a timeout), before the start
   * is undone, so that no workflow runs a campaign that is a draft again.
   */
  async terminate(campaignId: string, reason: string): Promise<void> {
    try {
      await this.temporal.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
        this.temporal.workflow.getHandle(campaignWorkflowId(campaignId)).terminate(reason),
      );
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) {
        this.logger.warn({ campaignId, error: String(err) }, 'could not make sure the campaign workflow is gone');
      }
    }
  }

  /** The running workflow's answer to its progress query, or undefined when it does not answer in time, or is not running. */
  async progress(campaignId: string): Promise<CampaignLiveState | undefined> {
    try {
      return await this.openOnly.withDeadline(Date.now() + PROGRESS_QUERY_TIMEOUT_MS, () =>
        this.openOnly.getHandle(campaignWorkflowId(campaignId)).query(progressQuery),
      );
    } catch (err) {
      this.logger.debug({ campaignId, error: String(err) }, 'campaign progress query failed; showing database figures');
      return undefined;
    }
  }
}
