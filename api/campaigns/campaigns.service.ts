import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../auth/principal.js';
import {
  ACTIVE_CAMPAIGN_STATUSES,
  AudioMessage,
  Campaign,
  ContactList,
  SipTrunk,
  User,
} from '../../db/entities/index.js';
import type { Pool } from '../../db/sql.js';
import { ConflictError, ValidationError, type FieldError } from '../../lib/errors.js';
import { isUuid, newestFirstPage } from '../keyset-cursor.js';
import { ownerFilter } from '../ownership.js';
import { CAMPAIGN_DEFAULTS, mergeSettings, settingsProblems } from './campaign-settings.js';
import { contactCounts } from './campaign-counts.js';
import { findCampaign, settingsColumns, settingsOf, toCampaignView } from './campaign-view.js';
import type { CampaignWorkflows } from './campaign-workflows.js';
import type { CampaignLiveState } from '../../campaign/campaign-types.js';
import type {
  CampaignDetail,
  CampaignPage,
  CampaignView,
  CreateCampaignRequest,
  LiveCallView,
  UpdateCampaignRequest,
} from './campaigns.dto.js';

type Owned = { readonly owner: { readonly id: string } } | null;

/** The three resources a campaign is made of, as the request names them, and how to look each up. */
const REFERENCES = [
  {
    key: 'trunkId',
    what: 'trunk',
    find: (em: EntityManager, id: string): Promise<Owned> => em.findOne(SipTrunk, { id }),
  },
  {
    key: 'audioId',
    what: 'audio message',
    find: (em: EntityManager, id: string): Promise<Owned> => em.findOne(AudioMessage, { id }),
  },
  {
    key: 'contactListId',
    what: 'contact list',
    find: (em: EntityManager, id: string): Promise<Owned> => em.findOne(ContactList, { id }),
  },
] as const;

/**
 * Campaign definitions and their progress. Starting and steering a campaign's workflow is
 * CampaignControlService.
 */
export class CampaignsService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
    private readonly workflows: CampaignWorkflows,
  ) {}

  async create(principal: Principal, body: CreateCampaignRequest): Promise<CampaignView> {
    const em = this.em.fork();
    const settings = mergeSettings(CAMPAIGN_DEFAULTS, body);
    const errors = [
      ...(await this.referenceProblems(em, principal, principal.userId, body)),
      ...settingsProblems(settings),
    ];
    if (errors.length > 0) throw new ValidationError(errors);
    const campaign = em.create(Campaign, {
      owner: em.getReference(User, principal.userId),
      name: body.name,
      status: 'draft',
      trunk: em.getReference(SipTrunk, body.trunkId),
      audio: em.getReference(AudioMessage, body.audioId),
      contactList: em.getReference(ContactList, body.contactListId),
      ...settingsColumns(settings),
    });
    await em.flush();
    return toCampaignView(campaign);
  }

  /** Changes a draft; 409 once it has been started. */
  async update(principal: Principal, id: string, body: UpdateCampaignRequest): Promise<CampaignView> {
    return this.em.fork().transactional(async (em) => {
      const campaign = await findCampaign(em, principal, id);
      await em.lock(campaign, LockMode.PESSIMISTIC_WRITE);
      if (campaign.status !== 'draft') {
        throw new ConflictError(`Campaign ${id} is ${campaign.status}: only a draft can be changed.`);
      }
      const settings = mergeSettings(settingsOf(campaign), body);
      const errors = [
        ...(await this.referenceProblems(em, principal, campaign.owner.id, body)),
        ...settingsProblems(settings),
      ];
      if (errors.length > 0) throw new ValidationError(errors);
      if (body.name !== undefined) campaign.name = body.name;
      if (body.trunkId !== undefined) campaign.trunk = em.getReference(SipTrunk, body.trunkId);
      if (body.audioId !== undefined) campaign.audio = em.getReference(AudioMessage, body.audioId);
      if (body.contactListId !== undefined) campaign.contactList = em.getReference(ContactList, body.contactListId);
      Object.assign(campaign, settingsColumns(settings));
      await em.flush();
      return toCampaignView(campaign);
    });
  }

  /** The caller's campaigns (an administrator's: all), newest first. */
  async list(principal: Principal, limit: number, after?: string): Promise<CampaignPage> {
    return newestFirstPage(this.em, Campaign, ownerFilter(principal), { limit, after }, toCampaignView);
  }

  /** The campaign with its counts from PostgreSQL and, while it runs, the workflow's live view. */
  async get(principal: Principal, id: string): Promise<CampaignDetail> {
    const campaign = await findCampaign(this.em.fork(), principal, id);
    const running = ACTIVE_CAMPAIGN_STATUSES.includes(campaign.status);
    const [progress, live] = await Promise.all([
      contactCounts(this.pool, campaign.id),
      running ? this.workflows.progress(campaign.id) : Promise.resolve(undefined),
    ]);
    return {
      ...toCampaignView(campaign),
      progress,
      ...(live ? { live: { ...live, inFlight: await this.numbered(campaign.id, live.inFlight) } } : {}),
    };
  }

  /**
   * The workflow's calls in flight with their numbers, read here: the workflow has ids only, so
   * Temporal holds no numbers (review F29). A contact deleted meanwhile is left out.
   */
  private async numbered(campaignId: string, inFlight: CampaignLiveState['inFlight']): Promise<LiveCallView[]> {
    if (inFlight.length === 0) return [];
    const contactId = (call: CampaignLiveState['inFlight'][number]) =>
      call.campaignContactId ?? call.attemptId.slice(0, call.attemptId.lastIndexOf(':'));
    const ids = inFlight.map(contactId).filter((id) => /^\d{1,18}$/.test(id));
    const { rows } = await this.pool.query<{ id: string; phone_e164: string }>(
      'SELECT id::text AS id, phone_e164 FROM campaign_contact WHERE id = ANY($1::bigint[]) AND campaign_id = $2',
      [ids, campaignId],
    );
    const phones = new Map(rows.map((r) => [r.id, r.phone_e164]));
    return inFlight.flatMap((call) => {
      const phone = phones.get(contactId(call));
      return phone === undefined ? [] : [{ attemptId: call.attemptId, phone, since: call.since }];
    });
  }

  /** Deletes a campaign that is not running or paused; its journal rows stay (campaign → null). */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const campaign = await findCampaign(em, principal, id);
      await em.lock(campaign, LockMode.PESSIMISTIC_WRITE);
      if (ACTIVE_CAMPAIGN_STATUSES.includes(campaign.status)) {
        throw new ConflictError(`Campaign ${id} is ${campaign.status}: cancel it before deleting it.`);
      }
      em.remove(campaign);
    });
  }

  /**
   * Each referenced resource given must exist and belong to the campaign's owner — for an
   * administrator too (F21): a campaign runs with its owner's blocklist, policies and journal,
   * so another tenant's trunk (their credentials), audio or list would bypass theirs.
   * 422 naming the field otherwise.
   */
  private async referenceProblems(
    em: EntityManager,
    principal: Principal,
    ownerId: string,
    body: UpdateCampaignRequest,
  ): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    const whose = ownerId === principal.userId ? 'of yours' : "of the campaign's owner";
    const machineAudioId = body.machineDetection?.machineAudioId;
    if (machineAudioId) {
      const audio = isUuid(machineAudioId) ? await em.findOne(AudioMessage, { id: machineAudioId }) : null;
      if (!audio || audio.owner.id !== ownerId) {
        errors.push({ field: 'body.machineDetection.machineAudioId', message: `no such audio message ${whose}` });
      }
    }
    for (const ref of REFERENCES) {
      const refId = body[ref.key];
      if (refId === undefined) continue;
      const row = isUuid(refId) ? await ref.find(em, refId) : null;
      if (!row || row.owner.id !== ownerId) {
        errors.push({ field: `body.${ref.key}`, message: `no such ${ref.what} ${whose}` });
      }
    }
    return errors;
  }
}
