import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.js';
import { COMPLIANCE_PROFILES } from '../../campaign/compliance-profile.js';

/**
 * An owner's communication policies; a value left null follows the installation's default
 * (campaign/owner-policy.ts). The owner sets the frequency cap (`/api/v1/policies`), an
 * administrator the tenant limits (`/api/v1/users/{id}/limits`).
 */
export const OwnerPolicy = defineEntity({
  name: 'OwnerPolicy',
  tableName: 'owner_policy',
  properties: {
    owner: () => p.oneToOne(User).primary().deleteRule('cascade').owner(),
    /** Calls per number per window; 0 = the owner turned the cap off. */
    frequencyCapMaxCalls: p.integer().nullable(),
    frequencyCapWindowSeconds: p.integer().nullable(),
    /** Simultaneous calls across the owner's campaigns. */
    maxConcurrentCalls: p.integer().nullable(),
    /** Webhooks the owner may have. */
    maxWebhooks: p.integer().nullable(),
    /** Uploads the owner may have in flight at once, per API process. */
    maxUploadsInFlight: p.integer().nullable(),
    /** The compliance profile every campaign of the owner keeps besides its own; null: none. */
    complianceProfile: p.enum(COMPLIANCE_PROFILES).nullable(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type OwnerPolicy = InferEntity<typeof OwnerPolicy>;

/**
 * Every INVITE sent, per owner and number, written just before it goes out (under a lock on
 * the pair) so the frequency cap counts calls still ringing, which the journal only gets when
 * they end. Kept for the longest window an owner can set, then pruned.
 */
export const DialLedger = defineEntity({
  name: 'DialLedger',
  tableName: 'dial_ledger',
  indexes: [{ properties: ['owner', 'phoneE164', 'dialledAt'] }, { properties: ['dialledAt'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    phoneE164: p.string().length(24),
    /** The attempt that dialled (a retried activity that dials again adds a second row). */
    attemptId: p.string().length(64),
    dialledAt: p.datetime(),
  },
});
export type DialLedger = InferEntity<typeof DialLedger>;
