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
import { contactPhones } from '../../db/campaign-contacts.js';
import type { Pool } from '../../db/sql.js';
import { ComplianceViolationError, ConflictError, ValidationError, type FieldError } from '../../lib/errors.js';
import { isUuid, newestFirstPage } from '../keyset-cursor.js';
import { ownerFilter, usableBy, type Shareable } from '../ownership.js';
import { departmentOfUser } from '../../db/departments.js';
import {
  CAMPAIGN_DEFAULTS,
  complianceFieldErrors,
  mergeSettings,
  settingsProblems,
  type CampaignSettings,
} from './campaign-settings.js';
import { mergeSchedule, scheduleFieldsGiven, scheduleProblems, type Schedule } from './campaign-schedule.js';
import { contactCounts } from './campaign-counts.js';
import { createRerun } from './campaign-rerun.js';
import { groupReferenceProblems, requestedGroup } from './campaign-trunks.js';
import { findCampaign, settingsColumns, settingsOf, toCampaignView } from './campaign-view.js';
import type { CampaignWorkflows } from './campaign-workflows.js';
import type { CampaignLiveState } from '../../campaign/campaign-types.js';
import type {
  CampaignDetail,
  CampaignPage,
  CampaignView,
  CreateCampaignRequest,
  LiveCallView,
  RerunCampaignRequest,
  UpdateCampaignRequest,
} from './campaigns.dto.js';

type Owned = Shareable | null;

const SCHEDULE_KEYS: ReadonlySet<string> = new Set(['startAt', 'endAt']);

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** `base` with the request's times, and what is wrong with the result. */
function checkedSchedule(base: { [K in keyof Schedule]?: Schedule[K] }, body: UpdateCampaignRequest) {
  const { schedule, errors } = mergeSchedule({ startAt: base.startAt ?? null, endAt: base.endAt ?? null }, body);
  return { schedule, errors: [...errors, ...scheduleProblems(schedule, new Date(), scheduleFieldsGiven(body))] };
}

/**
 * Valid settings that break a rule of the campaign's own compliance profile: 422
 * `compliance-violation` naming each rule (the owner's profile is checked at start).
 */
function checkCompliance(settings: CampaignSettings): void {
  const violations = complianceFieldErrors(settings);
  if (violations.length > 0) throw new ComplianceViolationError(violations);
}

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
    const { schedule, errors: scheduleErrors } = checkedSchedule({ startAt: null, endAt: null }, body);
    const { group, errors: groupErrors } = requestedGroup(body, undefined);
    const errors = [
      ...groupErrors,
      ...(await this.referenceProblems(em, principal, principal.userId, body)),
      ...settingsProblems(settings),
      ...scheduleErrors,
    ];
    if (errors.length > 0 || !group) throw new ValidationError(errors);
    checkCompliance(settings);
    const campaign = em.create(Campaign, {
      owner: em.getReference(User, principal.userId),
      name: body.name,
      status: 'draft',
      trunk: em.getReference(SipTrunk, group.trunkId),
      fallbackTrunkIds: group.fallbackTrunkIds,
      trunkShares: group.trunkShares,
      audio: em.getReference(AudioMessage, body.audioId),
      contactList: em.getReference(ContactList, body.contactListId),
      ...settingsColumns(settings),
      ...schedule,
    });
    await em.flush();
    return toCampaignView(campaign);
  }

  /**
   * Changes a draft, or the schedule of a scheduled campaign (its workflow is told after the
   * commit: see rescheduleSignal); 409 otherwise.
   */
  async update(principal: Principal, id: string, body: UpdateCampaignRequest): Promise<CampaignView> {
    const updated = await this.em.fork().transactional(async (em) => {
      const campaign = await findCampaign(em, principal, id);
      await em.lock(campaign, LockMode.PESSIMISTIC_WRITE);
      if (campaign.status === 'scheduled') return this.reschedule(em, campaign, body);
      if (campaign.status !== 'draft') {
        throw new ConflictError(`Campaign ${id} is ${campaign.status}: only a draft can be changed.`);
      }
      const settings = mergeSettings(settingsOf(campaign), body);
      const { schedule, errors: scheduleErrors } = checkedSchedule(campaign, body);
      const { group, errors: groupErrors } = requestedGroup(body, campaign);
      const errors = [
        ...groupErrors,
        ...(await this.referenceProblems(em, principal, campaign.owner.id, body)),
        ...settingsProblems(settings),
        ...scheduleErrors,
      ];
      if (errors.length > 0) throw new ValidationError(errors);
      checkCompliance(settings);
      Object.assign(campaign, schedule);
      if (body.name !== undefined) campaign.name = body.name;
      if (group) {
        campaign.trunk = em.getReference(SipTrunk, group.trunkId);
        campaign.fallbackTrunkIds = group.fallbackTrunkIds;
        campaign.trunkShares = group.trunkShares;
      }
      if (body.audioId !== undefined) campaign.audio = em.getReference(AudioMessage, body.audioId);
      if (body.contactListId !== undefined) campaign.contactList = em.getReference(ContactList, body.contactListId);
      Object.assign(campaign, settingsColumns(settings));
      await em.flush();
      return toCampaignView(campaign);
    });
    if (updated.status === 'scheduled') {
      const schedule = { startAt: iso(updated.startAt), endAt: iso(updated.endAt) };
      await this.workflows.reschedule(id, schedule);
    }
    return updated;
  }

  /** A scheduled campaign takes a new `startAt` / `endAt`, nothing else (its contacts are copied already). */
  private async reschedule(em: EntityManager, campaign: Campaign, body: UpdateCampaignRequest): Promise<CampaignView> {
    const others = Object.entries(body).filter(([key, value]) => value !== undefined && !SCHEDULE_KEYS.has(key));
    if (others.length > 0) {
      throw new ConflictError(
        `Campaign ${campaign.id} is scheduled: only startAt and endAt can change (cancel it to change the rest).`,
        others.map(([key]) => ({ field: `body.${key}`, message: 'cannot change once the campaign is scheduled' })),
      );
    }
    const { schedule, errors } = checkedSchedule(campaign, body);
    if (errors.length > 0) throw new ValidationError(errors);
    Object.assign(campaign, schedule);
    await em.flush();
    return toCampaignView(campaign);
  }

  /**
   * A new draft over the contacts of an ended campaign whose final outcome is in
   * `body.outcomes` (see campaign-rerun.ts); 409 while it has not ended.
   */
  async rerun(principal: Principal, id: string, body: RerunCampaignRequest): Promise<CampaignView> {
    await findCampaign(this.em.fork(), principal, id);
    const rerunId = await createRerun(this.pool, { parentId: id, outcomes: body.outcomes, name: body.name });
    return toCampaignView(await this.em.fork().findOneOrFail(Campaign, { id: rerunId }));
  }

  /** The caller's campaigns (an administrator's: all), newest first. */
  async list(principal: Principal, limit: number, after?: string): Promise<CampaignPage> {
    return newestFirstPage(this.em, Campaign, ownerFilter(principal), { limit, after }, toCampaignView);
  }

  /** The campaign with its counts from PostgreSQL and, while it runs, the workflow's live view. */
  async get(principal: Principal, id: string): Promise<CampaignDetail> {
    const campaign = await findCampaign(this.em.fork(), principal, id, 'read');
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
    const rows = await contactPhones(this.pool, campaignId, ids);
    const phones = new Map(rows.map((r) => [r.id, r.phone_e164]));
    return inFlight.flatMap((call) => {
      const phone = phones.get(contactId(call));
      return phone === undefined ? [] : [{ attemptId: call.attemptId, phone, since: call.since }];
    });
  }

  /** Deletes a campaign that is not scheduled, running or paused; its journal rows stay (campaign → null). */
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
   * Each referenced resource given must exist and be usable by the campaign's owner (theirs,
   * or shared with their department, docs/departments.md) — for an
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
    const department =
      ownerId === principal.userId ? principal.departmentId : await departmentOfUser(this.pool, ownerId);
    const usable = usableBy(ownerId, department);
    const machineAudioId = body.machineDetection?.machineAudioId;
    if (machineAudioId) {
      const audio = isUuid(machineAudioId) ? await em.findOne(AudioMessage, { id: machineAudioId }) : null;
      if (!audio || !usable(audio)) {
        errors.push({ field: 'body.machineDetection.machineAudioId', message: `no such audio message ${whose}` });
      }
    }
    errors.push(...(await groupReferenceProblems(em, usable, body, whose)));
    for (const ref of REFERENCES) {
      const refId = body[ref.key];
      if (refId === undefined) continue;
      const row = isUuid(refId) ? await ref.find(em, refId) : null;
      if (!row || !usable(row)) {
        errors.push({ field: `body.${ref.key}`, message: `no such ${ref.what} ${whose}` });
      }
    }
    return errors;
  }
}
