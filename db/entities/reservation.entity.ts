import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.js';
import { Department } from './department.entity.js';
import { User } from './user.entity.js';

/**
 * Phone numbers kept for one department (or, when its owner has none, for the owner alone)
 * until `until`: other departments' campaigns skip them at dial time (journalled `reserved`
 * in `policy_skip`, activities/policy-rules/reservation.ts). Deleted on release.
 */
export const Reservation = defineEntity({
  name: 'Reservation',
  tableName: 'reservation',
  indexes: [{ properties: ['department', 'createdAt', 'id'] }, { properties: ['owner', 'createdAt', 'id'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    /** Who reserved (the holder when `department` is null). */
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    /** The holding department (the owner's when it reserved); null: the owner alone. */
    department: () => p.manyToOne(Department).nullable().deleteRule('cascade'),
    until: p.datetime(),
    phoneCount: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Reservation = InferEntity<typeof Reservation>;

/** One reserved number (E.164) of a reservation; looked up by number at every dial. */
export const ReservationPhone = defineEntity({
  name: 'ReservationPhone',
  tableName: 'reservation_phone',
  indexes: [{ properties: ['phoneE164'] }],
  properties: {
    reservation: () => p.manyToOne(Reservation).primary().deleteRule('cascade'),
    phoneE164: p.string().length(24).primary(),
  },
});
export type ReservationPhone = InferEntity<typeof ReservationPhone>;

/**
 * An attempt a policy rule put back without a call (no INVITE, no attempt used): which
 * rule, its journal code (`reserved`, …) and when the contact is due again. The call
 * journal cannot hold it: the deferred attempt's id is handed out again by the next claim.
 */
export const PolicySkip = defineEntity({
  name: 'PolicySkip',
  tableName: 'policy_skip',
  indexes: [{ properties: ['campaign', 'at'] }, { properties: ['phoneE164'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    campaign: () => p.manyToOne(Campaign).deleteRule('cascade'),
    campaignContactId: p.bigint('number'),
    phoneE164: p.string().length(24),
    rule: p.string().length(40),
    code: p.string().length(40),
    retryAt: p.datetime(),
    at: p.datetime(),
  },
});
export type PolicySkip = InferEntity<typeof PolicySkip>;
