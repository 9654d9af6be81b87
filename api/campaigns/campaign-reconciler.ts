/**
 * Keeps PostgreSQL and Temporal agreeing on which campaigns run. The database is the
 * source of truth for a campaign's status; its workflow can still end without the database
 * knowing (terminated from the Web UI, failed on a bug, lost with a Temporal server's data),
 * and a workflow can outlive the status (a cancel whose signal was lost). Each pass:
 * - a campaign the database says is `running` or `paused` whose workflow is not open gets a
 *   new run (paused if it was); the new run adopts the contacts the old one left in flight
 *   (activities/campaign.activities.ts), so nothing it claimed is lost; a `scheduled` one gets
 *   a first run again, which waits for its stored `startAt` (or begins at once once it passed);
 * - an open workflow whose campaign is `cancelled` is sent the cancel again, and one whose
 *   campaign is a draft again (its start was undone) or is gone is terminated.
 * Several API processes may run it at once: starting a workflow that another one has just
 * started fails harmlessly.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { campaignRunState, liveCampaigns, selectCampaignStatus, type LiveCampaignRow } from '../../db/campaigns.js';
import type { Pool } from '../../db/sql.js';
import type { Logger } from '../../lib/logger.js';
import { cancelSignal } from '../../workflows/definitions.js';
import type { CampaignWorkflows } from './campaign-workflows.js';

export interface ReconcileReport {
  /** Campaigns whose workflow was started again. */
  readonly restarted: readonly string[];
  /** Workflows sent the cancel again, or terminated. */
  readonly stopped: readonly string[];
}

const iso = (d: string | Date | null): string | null => (d === null ? null : new Date(d).toISOString());

export class CampaignReconciler {
  constructor(
    private readonly pool: Pool,
    private readonly workflows: CampaignWorkflows,
    private readonly logger: Logger,
  ) {}

  /** One pass; see the module comment. Errors of one campaign are logged and do not stop the others. */
  async reconcileOnce(): Promise<ReconcileReport> {
    const restarted: string[] = [];
    const stopped: string[] = [];
    for (const row of await liveCampaigns(this.pool)) {
      try {
        if (await this.restartIfGone(row)) restarted.push(row.id);
      } catch (err) {
        this.logger.warn({ campaignId: row.id, error: String(err) }, 'could not check the campaign workflow');
      }
    }
    for (const id of await this.workflows.openCampaignIds()) {
      try {
        if (await this.stopIfFinished(id)) stopped.push(id);
      } catch (err) {
        this.logger.warn({ campaignId: id, error: String(err) }, 'could not stop the campaign workflow');
      }
    }
    return { restarted, stopped };
  }

  private async restartIfGone(row: LiveCampaignRow): Promise<boolean> {
    if (await this.workflows.isOpen(row.id)) return false;
    // Read again: the workflow may have finished (and written its status) since the list was read.
    const now = await campaignRunState(this.pool, row.id);
    if (!now || !['scheduled', 'preparing', 'running', 'paused'].includes(now.status)) return false;
    const scheduled = now.status === 'scheduled';
    try {
      await this.workflows.start(
        {
          campaignId: row.id,
          ownerId: row.owner_id,
          name: row.name,
          maxConcurrentCalls: row.max_concurrent_calls,
          callingWindow: row.calling_window,
          // A scheduled campaign's run waits for startAt (one that has passed begins at once).
          schedule: {
            startAt: scheduled ? (iso(now.start_at) ?? new Date(0).toISOString()) : null,
            endAt: iso(now.end_at),
          },
          // The copy resumes after the last line copied (activities/campaign-prepare.ts).
          prepare: now.copying,
        },
        scheduled ? undefined : { paused: now.status === 'paused', callsStarted: Number(now.calls) },
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
    this.logger.warn(
      { campaignId: row.id, status: now.status },
      'campaign workflow was not running although the campaign is; started it again',
    );
    return true;
  }

  private async stopIfFinished(id: string): Promise<boolean> {
    const status = await selectCampaignStatus(this.pool, id);
    if (status === 'cancelled') {
      await this.workflows.signal(id, cancelSignal);
    } else if (status === undefined || status === 'draft') {
      await this.workflows.terminate(id, status ? 'the campaign is a draft again' : 'the campaign was deleted');
    } else {
      return false;
    }
    this.logger.warn(
      { campaignId: id, status: status ?? 'deleted' },
      'campaign workflow outlived its campaign; stopped it',
    );
    return true;
  }
}
