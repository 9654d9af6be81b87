import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.js';

/**
 * - `pending`: never called yet, due at `nextAttemptAt`.
 * - `in_flight`: claimed for attempt `attempts` (since `claimedAt`, by the claim `claimKey`).
 * - `waiting`: a retry is due at `nextAttemptAt`.
 * - `done`: finished; `finalOutcome` says how.
 * - `cancelled`: the campaign was cancelled before the contact was done.
 */
export const CAMPAIGN_CONTACT_STATES = ['pending', 'in_flight', 'waiting', 'done', 'cancelled'] as const;
export type CampaignContactState = (typeof CAMPAIGN_CONTACT_STATES)[number];

/**
 * The scheduler's state of one contact in one campaign: a copy of the list's contact taken
 * when the campaign starts (so a later list change does not move a running campaign).
 * Claimed by `FOR UPDATE SKIP LOCKED` in batches (the partial index covers exactly the
 * rows a claim looks at).
 */
export const CampaignContact = defineEntity({
  name: 'CampaignContact',
  tableName: 'campaign_contact',
  uniques: [{ properties: ['campaign', 'line'] }],
  indexes: [
    {
      // The claim's `ORDER BY next_attempt_at, id LIMIT n`, read in index order (no sort).
      name: 'campaign_contact_due_order_index',
      expression:
        'create index "campaign_contact_due_order_index" on "campaign_contact" ("campaign_id", "next_attempt_at", "id") where "state" in (\'pending\', \'waiting\')',
    },
    { properties: ['campaign', 'state'] },
    {
      // A repeated claim finds its contacts; a new run finds the ones an earlier run claimed.
      name: 'campaign_contact_claim_index',
      expression:
        'create index "campaign_contact_claim_index" on "campaign_contact" ("campaign_id", "claim_key") where "state" = \'in_flight\'',
    },
    {
      // Per-zone pushes and the distinct zones of the open contacts (activities/zone-claim.ts).
      name: 'campaign_contact_zone_due_index',
      expression:
        'create index "campaign_contact_zone_due_index" on "campaign_contact" ("campaign_id", "time_zones", "next_attempt_at") where "state" in (\'pending\', \'waiting\') and "time_zones" is not null',
    },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    campaign: () => p.manyToOne(Campaign).deleteRule('cascade'),
    /** Line of the contact in its list's file. */
    line: p.integer(),
    phoneE164: p.string().length(24),
    name: p.text().nullable(),
    variables: p.json<Record<string, string>>(),
    state: p.enum(CAMPAIGN_CONTACT_STATES).default('pending'),
    /** Attempts started so far. */
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    /**
     * With a calling window in the callee's time (`timezoneFrom: 'number'`): the number's
     * zones (`&`-joined, contacts/phone-time-zones.ts), or the window's `timezone` when they
     * cannot be told; set when the campaign starts. Null otherwise.
     */
    timeZones: p.text().nullable(),
    claimedAt: p.datetime().nullable(),
    /** The claim that put the contact in flight: `<workflow run id>:<claim number>` (see campaign.activities.ts). */
    claimKey: p.text().nullable(),
    /** Infrastructure failures of the current attempt before any INVITE left; they use up no attempt. */
    infraFailures: p.integer().default(0),
    lastOutcome: p.string().length(32).nullable(),
    finalOutcome: p.string().length(32).nullable(),
    updatedAt: p.datetime(),
  },
});
export type CampaignContact = InferEntity<typeof CampaignContact>;
