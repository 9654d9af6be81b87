import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AudioMessage } from './audio-message.entity.js';
import { ContactList } from './contact-list.entity.js';
import { SipTrunk } from './sip-trunk.entity.js';
import { User } from './user.entity.js';
import { COMPLIANCE_PROFILES } from '../../campaign/compliance-profile.js';

/**
 * `scheduled`: started with a `startAt` still ahead; its workflow waits on a durable timer.
 * `preparing`: started, its list (larger than CAMPAIGN_COPY_INLINE_MAX_CONTACTS) still being
 * copied by the workflow; calls go out meanwhile, to the contacts copied so far.
 * `expired`: its `endAt` came before every contact was done (those are final `expired`).
 */
export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'preparing',
  'running',
  'paused',
  'completed',
  'cancelled',
  'expired',
  'failed',
] as const;
export type CampaignStatusValue = (typeof CAMPAIGN_STATUSES)[number];

/** DTMF keys a campaign may name as its opt-out digit. */
export const OPT_OUT_DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export type OptOutDigit = (typeof OPT_OUT_DIGITS)[number];

/** Statuses in which the campaign's workflow runs: its trunk, audio and list cannot be deleted. */
export const ACTIVE_CAMPAIGN_STATUSES: readonly CampaignStatusValue[] = ['scheduled', 'preparing', 'running', 'paused'];

/** Statuses of a campaign that has ended: it can be re-run (`POST …/rerun`). */
export const ENDED_CAMPAIGN_STATUSES: readonly CampaignStatusValue[] = ['completed', 'cancelled', 'expired', 'failed'];

/**
 * A campaign: what to play (audio) to whom (contact list) through which trunk, and the
 * dialling settings. The workflow `campaign-<id>` runs it; per-contact state is in
 * `campaign_contact`, every attempt in `call_record`. The trunk, audio and list references
 * go null when one of them is deleted later (only allowed while no campaign using it is
 * active), so the campaign and its journal stay.
 */
export const Campaign = defineEntity({
  name: 'Campaign',
  tableName: 'campaign',
  indexes: [{ properties: ['owner', 'createdAt'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    /** The owner's department this is shared with (issue 25); null: not shared. */
    departmentId: p.uuid().nullable(),
    name: p.string().length(200),
    status: p.enum(CAMPAIGN_STATUSES).default('draft'),
    trunk: () => p.manyToOne(SipTrunk).nullable().deleteRule('set null').index(),
    /**
     * The trunk group after `trunk`: trunk ids tried in this order when the ones before fail
     * technically (activities/trunk-choice.ts). An id leaves the list when its trunk is deleted.
     */
    fallbackTrunkIds: p.array<string>().default([]),
    /**
     * Priorities and weights of the group's trunks by trunk id (campaign/trunk-shares.ts);
     * null: a plain order, each trunk its own priority.
     */
    trunkShares: p.json<Record<string, { priority: number; weight: number }>>().nullable(),
    audio: () => p.manyToOne(AudioMessage).nullable().deleteRule('set null').index(),
    contactList: () => p.manyToOne(ContactList).nullable().deleteRule('set null').index(),
    maxConcurrentCalls: p.integer(),
    callsPerSecond: p.double(),
    maxAttempts: p.integer(),
    retryDelaySeconds: p.integer(),
    /** Outcomes that earn another attempt. */
    retryOn: p.array<string>(),
    /** Retry rules per outcome (campaign/retry-policy.ts `OutcomeRetries`); null = none. */
    retryByOutcome: p.json<Record<string, unknown>>().nullable(),
    ringTimeoutSeconds: p.integer(),
    maxCallSeconds: p.integer(),
    /** `{days, from, to, timezone, timezoneFrom?}` (campaign/calling-window.ts); null = any time. */
    callingWindow: p.json<Record<string, unknown>>().nullable(),
    record: p.boolean().default(true),
    recordingsPrivate: p.boolean().default(false),
    callerIdNumber: p.string().length(32).nullable(),
    callerIdName: p.string().length(100).nullable(),
    /** `{numbers, strategy, dailyCapPerNumber}` (campaign/caller-id-pool.ts); null = no pool. */
    callerIdPool: p.json<Record<string, unknown>>().nullable(),
    /** The DTMF key (0-9, `*`, `#`) that puts the callee's number on the owner's blocklist and ends the call; null = none. */
    optOutDigit: p.enum(OPT_OUT_DIGITS).nullable(),
    /** Answering-machine detection (campaign/machine-detection.ts); null = off. */
    machineDetection: p.json<Record<string, unknown>>().nullable(),
    /** The compliance profile whose rules the campaign keeps (campaign/compliance-profile.ts). */
    complianceProfile: p.enum(COMPLIANCE_PROFILES).default('none'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    /** The list's size when a background copy began (`preparing`); null: copied inside the start request. */
    contactsTotal: p.integer().nullable(),
    /** Contacts copied so far by the background copy. */
    contactsCopied: p.integer().default(0),
    /** When the background copy finished. */
    contactsCopiedAt: p.datetime().nullable(),
    /** When a started campaign places its first call; null = at once. */
    startAt: p.datetime().nullable(),
    /** When it stops placing calls (the contacts not done then end `expired`); null = never. */
    endAt: p.datetime().nullable(),
    /** The campaign this one re-runs (`POST …/rerun`); null once that one is deleted. */
    parentCampaign: () => p.manyToOne(Campaign).nullable().deleteRule('set null'),
  },
});
export type Campaign = InferEntity<typeof Campaign>;
