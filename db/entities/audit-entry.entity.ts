import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** What kind of thing an audited request changed (or tried to). */
export const AUDIT_TARGET_TYPES = [
  'audio',
  'blocklist',
  'call',
  'campaign',
  'client',
  'contact_list',
  'department',
  'policy',
  'trunk',
  'user',
  'webhook',
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/**
 * How the request ended: `success` (2xx: the change was made), `denied` (401 or 403), `rejected`
 * (another 4xx: nothing was changed), `error` (5xx: the change may be partly made).
 */
export const AUDIT_OUTCOMES = ['success', 'denied', 'rejected', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * One audited request: who (the user, and the machine client when one acted for its owner),
 * when, from where, what action on which resource, how it ended, and the fields it sent with
 * every secret redacted (api/audit/redact.ts). Written by api/audit/audit-recorder.ts, never
 * updated; swept after AUDIT_RETENTION_DAYS. No foreign keys: an entry outlives what it names.
 */
export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_entry',
  indexes: [
    // A user's own entries, newest first (the keyset of GET /api/v1/audit for a non-admin).
    { properties: ['actorUserId', 'createdAt', 'id'] },
    // Everyone's, newest first (administrators), and the retention sweep's range.
    { properties: ['createdAt', 'id'] },
    // One resource's history.
    { properties: ['targetType', 'targetId', 'createdAt', 'id'] },
  ],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** Stable name, e.g. `trunk.update`, `campaign.pause` (api/audit/audit-actions.ts). */
    action: p.string().length(64),
    /** `POST /api/v1/campaigns/{id}/pause`: the route template, not the raw path. */
    route: p.string().length(200),
    targetType: p.enum(AUDIT_TARGET_TYPES),
    targetId: p.string().length(200).nullable(),
    /** The user acting, or the owner of the machine client acting. */
    actorUserId: p.uuid(),
    actorUsername: p.string().length(200),
    actorClientId: p.string().length(200).nullable(),
    actorRole: p.string().length(16),
    /** `req.ip`: the socket's address, or with TRUST_PROXY the one the proxy appended. */
    ip: p.string().length(100).nullable(),
    requestId: p.string().length(100).nullable(),
    status: p.integer(),
    outcome: p.enum(AUDIT_OUTCOMES),
    /** The request's fields, secrets redacted; null for requests that did not succeed. */
    changes: p.json<Record<string, unknown>>().nullable(),
  },
});
export type AuditEntry = InferEntity<typeof AuditEntry>;
