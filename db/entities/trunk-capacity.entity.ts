import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.js';
import { SipTrunk } from './sip-trunk.entity.js';
import { User } from './user.entity.js';

/**
 * Per-trunk call pacing shared by every worker: `nextSlot` is the earliest instant the next
 * INVITE on the trunk may go out. A caller takes `greatest(nextSlot, now())` and moves it
 * on by 1 / maxCallsPerSecond in one UPDATE, so calls are spaced across all campaigns and
 * workers, not per process.
 */
export const TrunkPacing = defineEntity({
  name: 'TrunkPacing',
  tableName: 'trunk_pacing',
  properties: {
    trunk: () => p.oneToOne(SipTrunk).primary().deleteRule('cascade').owner(),
    nextSlot: p.datetime(),
  },
});
export type TrunkPacing = InferEntity<typeof TrunkPacing>;

/**
 * A campaign's own calls per second, across every worker placing its calls: the same slot
 * scheme as {@link TrunkPacing}, one interval of 1 / callsPerSecond apart. A call takes its
 * campaign's slot first and then the trunk's, so a slow campaign never slows the other
 * campaigns on its trunk (see activities/trunk-limits.ts).
 */
export const CampaignPacing = defineEntity({
  name: 'CampaignPacing',
  tableName: 'campaign_pacing',
  properties: {
    campaign: () => p.oneToOne(Campaign).primary().deleteRule('cascade').owner(),
    nextSlot: p.datetime(),
  },
});
export type CampaignPacing = InferEntity<typeof CampaignPacing>;

/**
 * Live calls across every worker, per limited scope: a row per call and scope (`trunk:<id>`
 * for a trunk's `maxConcurrentCalls`, `owner:<id>` for an owner's tenant limit) holding one
 * place until `expiresAt` (renewed while the call runs, so a worker that died frees its
 * places by itself). See activities/call-leases.ts.
 */
export const CallLease = defineEntity({
  name: 'CallLease',
  tableName: 'call_lease',
  indexes: [{ properties: ['attemptId'] }],
  properties: {
    scope: p.string().length(80).primary(),
    attemptId: p.string().length(64).primary(),
    expiresAt: p.datetime(),
  },
});
export type CallLease = InferEntity<typeof CallLease>;

/**
 * A trunk's circuit breaker, shared by every worker (activities/trunk-breaker.ts): technical
 * failures in a row (no response, unreachable, 408, 5xx…), and while `downUntil` lies ahead
 * the trunk is skipped by every campaign's trunk group.
 */
export const TrunkHealth = defineEntity({
  name: 'TrunkHealth',
  tableName: 'trunk_health',
  properties: {
    trunk: () => p.oneToOne(SipTrunk).primary().deleteRule('cascade').owner(),
    consecutiveFailures: p.integer().default(0),
    downUntil: p.datetime().nullable(),
    lastFailureAt: p.datetime().nullable(),
    /** The last technical failure, e.g. `503 Service Unavailable`. */
    lastFailure: p.string().length(200).nullable(),
    /** When the last OPTIONS probe of the trunk held down went out (activities/trunk-prober.ts). */
    lastProbeAt: p.datetime().nullable(),
    /** What it came to, e.g. `200 OK`, `timeout`. */
    lastProbe: p.string().length(200).nullable(),
    updatedAt: p.datetime(),
  },
});
export type TrunkHealth = InferEntity<typeof TrunkHealth>;

/**
 * Calls per caller-ID number per UTC day, per owner (caller-ID pools, issue 20): taken with a
 * conditional upsert when a call picks the number (activities/caller-id-pick.ts), so a
 * number's daily cap holds across every campaign of the owner and every worker.
 */
export const CallerIdUsage = defineEntity({
  name: 'CallerIdUsage',
  tableName: 'caller_id_usage',
  properties: {
    owner: () => p.manyToOne(User).primary().deleteRule('cascade').updateRule('cascade'),
    number: p.string().length(32).primary(),
    day: p.date().primary(),
    calls: p.integer().default(0),
  },
});
export type CallerIdUsage = InferEntity<typeof CallerIdUsage>;

/**
 * Calls each trunk of a campaign's weighted group took (campaign/trunk-shares.ts): the
 * rotation gives the next call to the trunk furthest below its weight's share, counted here
 * under the group's trunk locks (activities/trunk-choice.ts), so it holds across workers.
 */
export const CampaignTrunkShare = defineEntity({
  name: 'CampaignTrunkShare',
  tableName: 'campaign_trunk_share',
  properties: {
    campaign: () => p.manyToOne(Campaign).primary().deleteRule('cascade').updateRule('cascade'),
    trunk: () => p.manyToOne(SipTrunk).primary().deleteRule('cascade').updateRule('cascade'),
    calls: p.integer().default(0),
  },
});
export type CampaignTrunkShare = InferEntity<typeof CampaignTrunkShare>;
