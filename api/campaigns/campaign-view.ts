/** Campaign rows as the API shows them, and the lookups both campaign services share. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../auth/principal.js';
import { Campaign } from '../../db/entities/index.js';
import type { CallOutcome } from '../../campaign/outcomes.js';
import { isUuid } from '../keyset-cursor.js';
import { changeableBy, readableBy, type Access } from '../ownership.js';
import { machineDetectionView, type CampaignSettings } from './campaign-settings.js';
import type { MachineDetectionSetting } from '../../campaign/machine-detection.js';
import { campaignWorkflowId } from './campaign-workflows.js';
import type { CallingWindowDto, CampaignView } from './campaigns.dto.js';
import type { RetryByOutcomeDto } from './retry.dto.js';
import type { CallerIdPool } from '../../campaign/caller-id-pool.js';
import { shareOf } from '../../campaign/trunk-shares.js';

/** The settings stored on a campaign row. */
export function settingsOf(c: Campaign): CampaignSettings {
  return {
    maxConcurrentCalls: c.maxConcurrentCalls,
    callsPerSecond: Number(c.callsPerSecond), // double precision: typed string | number by the ORM
    maxAttempts: c.maxAttempts,
    retryDelaySeconds: c.retryDelaySeconds,
    retryOn: [...c.retryOn] as CallOutcome[],
    retry: (c.retryByOutcome as RetryByOutcomeDto | null | undefined) ?? null,
    ringTimeoutSeconds: c.ringTimeoutSeconds,
    maxCallSeconds: c.maxCallSeconds,
    callingWindow: (c.callingWindow as CallingWindowDto | null | undefined) ?? null,
    record: c.record,
    recordingsPrivate: c.recordingsPrivate,
    callerId: c.callerIdNumber ? { number: c.callerIdNumber, name: c.callerIdName ?? null } : null,
    callerIdPool: (c.callerIdPool as CallerIdPool | null | undefined) ?? null,
    optOutDigit: c.optOutDigit ?? null,
    machineDetection: (c.machineDetection as MachineDetectionSetting | null | undefined) ?? null,
    complianceProfile: c.complianceProfile,
  };
}

/** The row's columns for `settings`. */
export function settingsColumns(s: CampaignSettings) {
  return {
    maxConcurrentCalls: s.maxConcurrentCalls,
    callsPerSecond: s.callsPerSecond,
    maxAttempts: s.maxAttempts,
    retryDelaySeconds: s.retryDelaySeconds,
    retryOn: [...s.retryOn],
    retryByOutcome: s.retry ? structuredClone(s.retry) : null,
    ringTimeoutSeconds: s.ringTimeoutSeconds,
    maxCallSeconds: s.maxCallSeconds,
    callingWindow: s.callingWindow ? { ...s.callingWindow, days: [...s.callingWindow.days] } : null,
    record: s.record,
    recordingsPrivate: s.recordingsPrivate,
    callerIdNumber: s.callerId?.number ?? null,
    callerIdName: s.callerId?.name ?? null,
    callerIdPool: s.callerIdPool ? { ...s.callerIdPool, numbers: [...s.callerIdPool.numbers] } : null,
    optOutDigit: s.optOutDigit,
    machineDetection: s.machineDetection ? { ...s.machineDetection, timings: { ...s.machineDetection.timings } } : null,
    complianceProfile: s.complianceProfile,
  };
}

const poolView = (pool: CallerIdPool | null) => (pool ? { ...pool, numbers: [...pool.numbers] } : null);

const groupIds = (c: Campaign): string[] => [...(c.trunk ? [c.trunk.id] : []), ...c.fallbackTrunkIds];

export function toCampaignView(c: Campaign): CampaignView {
  return {
    id: c.id,
    ownerId: c.owner.id,
    shared: c.departmentId !== null && c.departmentId !== undefined,
    name: c.name,
    status: c.status,
    trunkId: c.trunk?.id ?? null,
    trunkIds: groupIds(c),
    trunks: groupIds(c).map((trunkId, i) => ({ trunkId, ...shareOf(c.trunkShares ?? null, trunkId, i) })),
    audioId: c.audio?.id ?? null,
    contactListId: c.contactList?.id ?? null,
    ...settingsOf(c),
    callerIdPool: poolView(settingsOf(c).callerIdPool),
    machineDetection: machineDetectionView(settingsOf(c).machineDetection),
    startAt: c.startAt ?? null,
    endAt: c.endAt ?? null,
    parentCampaignId: c.parentCampaign?.id ?? null,
    workflowId: c.startedAt ? campaignWorkflowId(c.id) : null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    startedAt: c.startedAt ?? null,
    finishedAt: c.finishedAt ?? null,
    preparation:
      c.contactsTotal === null || c.contactsTotal === undefined
        ? null
        : { contactsTotal: c.contactsTotal, contactsCopied: c.contactsCopied, finishedAt: c.contactsCopiedAt ?? null },
  };
}

/**
 * The campaign when the caller may read it (`read`: theirs, or shared with their department)
 * or act on it (`change`, the default: theirs, or any for an admin): 403 for a shared
 * campaign they may only read, 404 for one they do not see (ownership.ts).
 */
export async function findCampaign(
  em: EntityManager,
  principal: Principal,
  id: string,
  access: Access = 'change',
): Promise<Campaign> {
  const campaign = isUuid(id) ? await em.findOne(Campaign, { id }) : null;
  return (access === 'read' ? readableBy : changeableBy)(principal, campaign, `Campaign ${id}`);
}
