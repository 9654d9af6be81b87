import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../auth/principal.js';
import { Campaign, type CampaignStatusValue } from '../../db/entities/index.js';
import { inTransaction, type Pool, type PoolClient } from '../../db/sql.js';
import {
  ComplianceViolationError,
  ConflictError,
  NotFoundError,
  UpstreamError,
  type FieldError,
} from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { complianceFieldErrors } from './campaign-settings.js';
import { cancelSignal, pauseSignal, resumeSignal, type CampaignSignal } from '../../workflows/definitions.js';
import { cancelOpenContacts, copyContacts, deleteCampaignContacts } from '../../db/campaign-contacts.js';
import {
  backToDraft,
  campaignToStart,
  keyShareLock,
  keyShareLockTrunks,
  markStarted,
  setStatusFrom,
  type StartResourceTable,
  type StartRow,
} from '../../db/campaign-status.js';
import { findCampaign, toCampaignView } from './campaign-view.js';
import type { CampaignWorkflows } from './campaign-workflows.js';
import type { CampaignView } from './campaigns.dto.js';

/** The resources a campaign needs at start, each share-locked so that it cannot be deleted meanwhile. */
const NEEDED: readonly {
  column: 'trunk_id' | 'audio_id' | 'contact_list_id';
  table: StartResourceTable;
  field: string;
  what: string;
}[] = [
  { column: 'trunk_id', table: 'sip_trunk', field: 'trunkId', what: 'trunk' },
  { column: 'audio_id', table: 'audio_message', field: 'audioId', what: 'audio message' },
  { column: 'contact_list_id', table: 'contact_list', field: 'contactListId', what: 'contact list' },
];

interface Transition {
  /** What the workflow is told. */
  readonly signal: CampaignSignal;
  readonly from: readonly CampaignStatusValue[];
  readonly to: CampaignStatusValue;
}

/** Pause, resume and cancel: the signal each one sends, where it is allowed, and the status it leads to. */
const TRANSITIONS = {
  pause: { signal: pauseSignal, from: ['preparing', 'running'], to: 'paused' },
  // `running` is written as `preparing` while the list is still being copied.
  resume: { signal: resumeSignal, from: ['paused'], to: 'running' },
  cancel: { signal: cancelSignal, from: ['scheduled', 'preparing', 'running', 'paused'], to: 'cancelled' },
} as const satisfies Record<string, Transition>;

/** What a client can do to a started campaign (the `POST /campaigns/{id}/<verb>` routes). */
export type Steer = keyof typeof TRANSITIONS;

/**
 * Starting and steering campaigns. The workflow is the authority on a running campaign
 * (its setCampaignStatus activity writes the status); after a signal has been delivered
 * the API writes the status the signal leads to as well, so that the answer and the next
 * GET already show it — the workflow's own write comes after and agrees with it.
 */
export class CampaignControlService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
    private readonly workflows: CampaignWorkflows,
    private readonly logger: Logger,
    /** CAMPAIGN_COPY_INLINE_MAX_CONTACTS: larger lists are copied by the workflow (`preparing`). */
    private readonly inlineCopyMax = 10_000,
  ) {}

  /**
   * Copies the list's contacts into the campaign and marks it running (or `scheduled`, with a
   * `startAt` ahead) in one transaction, then starts its workflow; if Temporal does not take
   * it, both are undone (503). A list larger than `inlineCopyMax` is not copied here, so the
   * answer comes at once whatever its size: the campaign is `preparing` and its workflow
   * copies the list in the background (activities/campaign-prepare.ts) while it calls the
   * contacts copied so far.
   */
  async start(principal: Principal, id: string): Promise<CampaignView> {
    await findCampaign(this.em.fork(), principal, id);
    const row = await inTransaction(this.pool, async (client) => {
      const campaign = await campaignToStart(client, id);
      if (!campaign) throw new NotFoundError(`Campaign ${id}`);
      if (campaign.status !== 'draft') {
        throw new ConflictError(`Campaign ${id} is ${campaign.status}: only a draft can be started.`);
      }
      if (campaign.over) {
        throw new ConflictError(`Campaign ${id} cannot start: its endAt has passed.`, [
          { field: 'endAt', message: 'has passed; set a later one or null' },
        ]);
      }
      checkCompliance(campaign);
      await lockResources(client, campaign);
      const background = (campaign.contacts ?? 0) > this.inlineCopyMax;
      if (!background) await copyContacts(client, id, campaign.contact_list_id, campaign.calling_window);
      await markStarted(
        client,
        id,
        campaign.later ? 'scheduled' : background ? 'preparing' : 'running',
        background ? campaign.contacts : null,
      );
      return { ...campaign, background };
    });
    try {
      await this.workflows.start({
        campaignId: id,
        ownerId: row.owner_id,
        name: row.name,
        maxConcurrentCalls: row.max_concurrent_calls,
        callingWindow: row.calling_window,
        schedule: {
          startAt: row.later && row.start_at !== null ? new Date(row.start_at).toISOString() : null,
          endAt: row.end_at === null ? null : new Date(row.end_at).toISOString(),
        },
        prepare: row.background,
      });
    } catch (err) {
      this.logger.error({ campaignId: id, error: String(err) }, 'campaign workflow did not start; back to draft');
      await this.workflows.terminate(id, 'start failed; the campaign is a draft again');
      await this.undoStart(id);
      throw new UpstreamError(
        'Temporal',
        'The campaign could not be started (workflow service unavailable); it is still a draft.',
      );
    }
    return this.view(id);
  }

  /** Pause, resume or cancel by signal; a draft is cancelled without any workflow. */
  async steer(principal: Principal, id: string, verb: Steer): Promise<CampaignView> {
    const campaign = await findCampaign(this.em.fork(), principal, id);
    const { signal, from, to }: Transition = TRANSITIONS[verb];
    if (verb === 'cancel' && campaign.status === 'draft') {
      await this.setStatus(id, ['draft'], 'cancelled');
      return this.view(id);
    }
    if (!from.includes(campaign.status)) {
      throw new ConflictError(`Campaign ${id} is ${campaign.status}: cannot ${verb} it.`);
    }
    let delivered: boolean;
    try {
      delivered = await this.workflows.signal(id, signal);
    } catch (err) {
      this.logger.error({ campaignId: id, signal: signal.name, error: String(err) }, 'campaign signal failed');
      throw new UpstreamError('Temporal', `Could not ${verb} the campaign; try again.`);
    }
    if (!delivered) {
      if (verb !== 'cancel') {
        throw new ConflictError(`Campaign ${id} has no running workflow (it is finishing); cannot ${verb} it.`);
      }
      // Nothing runs it any more: settle what the workflow would have settled.
      await cancelOpenContacts(this.pool, id);
    }
    await this.setStatus(id, from, to);
    return this.view(id);
  }

  private async setStatus(id: string, from: readonly CampaignStatusValue[], to: CampaignStatusValue): Promise<void> {
    await setStatusFrom(this.pool, id, from, to);
  }

  private async undoStart(id: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await deleteCampaignContacts(client, id);
      await backToDraft(client, id);
    });
  }

  private async view(id: string): Promise<CampaignView> {
    return toCampaignView(await this.em.fork().findOneOrFail(Campaign, { id }));
  }
}

/**
 * The rules of the campaign's compliance profile and of its owner's (which may have been
 * set after the draft was last changed): 422 `compliance-violation` naming each broken rule.
 */
function checkCompliance(campaign: StartRow): void {
  const settings = {
    callingWindow: campaign.calling_window,
    ringTimeoutSeconds: campaign.ring_timeout_seconds,
    optOutDigit: campaign.opt_out_digit,
    complianceProfile: campaign.compliance_profile,
  };
  const violations = complianceFieldErrors(settings, campaign.owner_profile, '');
  if (violations.length > 0) throw new ComplianceViolationError(violations);
}

/** Share-locks the trunk, audio and list rows; 409 naming each one that is gone. */
async function lockResources(client: PoolClient, campaign: StartRow): Promise<void> {
  const errors: FieldError[] = [];
  for (const need of NEEDED) {
    const refId = campaign[need.column];
    const found = refId ? await keyShareLock(client, need.table, refId) : false;
    if (!found) errors.push({ field: need.field, message: `the campaign's ${need.what} was deleted; set another one` });
  }
  // The trunk group's other trunks: a trunk's delete takes it out of every group, so one gone
  // here was deleted by a transaction that committed after the row was read.
  const fallbacks = campaign.fallback_trunk_ids;
  if (fallbacks.length > 0) {
    if ((await keyShareLockTrunks(client, fallbacks)) < fallbacks.length) {
      errors.push({ field: 'trunkIds', message: "a trunk of the campaign's group was deleted; set the group again" });
    }
  }
  if (errors.length > 0) throw new ConflictError('The campaign cannot start: a resource it needs was deleted.', errors);
}
