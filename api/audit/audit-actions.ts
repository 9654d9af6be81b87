/**
 * What each changing API operation is called in the audit log: `METHOD /template` → a stable
 * action name, the kind of resource it changes, and where that resource's id comes from.
 * Every POST, PUT, PATCH and DELETE of the contract must be here (audit-actions.test.ts fails
 * otherwise), so a new route cannot go unaudited by being forgotten.
 */
import type { AuditTargetType } from '../../db/entities/index.js';

/**
 * Where the target's id is found:
 * - `path`: the `{id}` of the path;
 * - `created`: the last segment of the `Location` header (a resource made by the request);
 * - `self`: the caller's own user id (their password, their policy);
 * - `none`: the request names no single resource (a bulk upload).
 */
export type AuditTargetSource = 'path' | 'created' | 'self' | 'none';

export interface AuditAction {
  readonly action: string;
  readonly targetType: AuditTargetType;
  readonly target: AuditTargetSource;
}

const a = (action: string, targetType: AuditTargetType, target: AuditTargetSource): AuditAction => ({
  action,
  targetType,
  target,
});

/** `METHOD /api/v1/…{id}…` (the OpenAPI path template) → its audit action. */
export const AUDIT_ACTIONS: Readonly<Record<string, AuditAction>> = {
  'POST /api/v1/trunks': a('trunk.create', 'trunk', 'created'),
  'PATCH /api/v1/trunks/{id}': a('trunk.update', 'trunk', 'path'),
  'DELETE /api/v1/trunks/{id}': a('trunk.delete', 'trunk', 'path'),
  'POST /api/v1/trunks/{id}/test': a('trunk.test', 'trunk', 'path'),

  'POST /api/v1/audio': a('audio.upload', 'audio', 'created'),
  'DELETE /api/v1/audio/{id}': a('audio.delete', 'audio', 'path'),

  'POST /api/v1/contact-lists': a('contact_list.import', 'contact_list', 'created'),
  'DELETE /api/v1/contact-lists/{id}': a('contact_list.delete', 'contact_list', 'path'),

  'POST /api/v1/campaigns': a('campaign.create', 'campaign', 'created'),
  'PATCH /api/v1/campaigns/{id}': a('campaign.update', 'campaign', 'path'),
  'DELETE /api/v1/campaigns/{id}': a('campaign.delete', 'campaign', 'path'),
  'POST /api/v1/campaigns/{id}/start': a('campaign.start', 'campaign', 'path'),
  'POST /api/v1/campaigns/{id}/pause': a('campaign.pause', 'campaign', 'path'),
  'POST /api/v1/campaigns/{id}/resume': a('campaign.resume', 'campaign', 'path'),
  'POST /api/v1/campaigns/{id}/cancel': a('campaign.cancel', 'campaign', 'path'),
  // The re-run's target is the campaign re-run (its new draft's id is in the Location header).
  'POST /api/v1/campaigns/{id}/rerun': a('campaign.rerun', 'campaign', 'path'),
  // Not a change, but who opened a campaign's live stream is worth knowing (the ticket itself is never stored here).
  'POST /api/v1/campaigns/{id}/events/ticket': a('campaign.events_ticket', 'campaign', 'path'),

  'PATCH /api/v1/calls/{id}': a('call.update', 'call', 'path'),
  // External calls (a resend answers 200 with the stored call: its id is in the JSON answer).
  'POST /api/v1/calls': a('call.ingest', 'call', 'created'),
  'PUT /api/v1/calls/{id}/recording': a('call.upload_recording', 'call', 'path'),

  'POST /api/v1/blocklist': a('blocklist.add', 'blocklist', 'created'),
  'POST /api/v1/blocklist/upload': a('blocklist.upload', 'blocklist', 'none'),
  'DELETE /api/v1/blocklist/{id}': a('blocklist.remove', 'blocklist', 'path'),

  'POST /api/v1/webhooks': a('webhook.create', 'webhook', 'created'),
  'PATCH /api/v1/webhooks/{id}': a('webhook.update', 'webhook', 'path'),
  'DELETE /api/v1/webhooks/{id}': a('webhook.delete', 'webhook', 'path'),
  'POST /api/v1/webhooks/{id}/rotate-secret': a('webhook.rotate_secret', 'webhook', 'path'),

  'POST /api/v1/users': a('user.create', 'user', 'created'),
  'PATCH /api/v1/users/{id}': a('user.update', 'user', 'path'),
  'PUT /api/v1/users/{id}/limits': a('user.update_limits', 'user', 'path'),
  'POST /api/v1/me/password': a('user.change_password', 'user', 'self'),

  'POST /api/v1/clients': a('client.create', 'client', 'created'),
  'PATCH /api/v1/clients/{id}': a('client.update', 'client', 'path'),
  'POST /api/v1/clients/{id}/rotate-secret': a('client.rotate_secret', 'client', 'path'),

  'PUT /api/v1/policies': a('policy.update', 'policy', 'self'),

  'POST /api/v1/departments': a('department.create', 'department', 'created'),
  'PATCH /api/v1/departments/{id}': a('department.update', 'department', 'path'),
  'DELETE /api/v1/departments/{id}': a('department.delete', 'department', 'path'),
  'PUT /api/v1/departments/{id}/members/{userId}': a('department.add_member', 'department', 'path'),
  'DELETE /api/v1/departments/{id}/members/{userId}': a('department.remove_member', 'department', 'path'),
  'PUT /api/v1/departments/{id}/managers/{userId}': a('department.add_manager', 'department', 'path'),
  'DELETE /api/v1/departments/{id}/managers/{userId}': a('department.remove_manager', 'department', 'path'),

  'PUT /api/v1/trunks/{id}/sharing': a('trunk.share', 'trunk', 'path'),
  'PUT /api/v1/audio/{id}/sharing': a('audio.share', 'audio', 'path'),
  'PUT /api/v1/contact-lists/{id}/sharing': a('contact_list.share', 'contact_list', 'path'),
  'PUT /api/v1/campaigns/{id}/sharing': a('campaign.share', 'campaign', 'path'),
  'PUT /api/v1/blocklist/{id}/sharing': a('blocklist.share', 'blocklist', 'path'),
  'PUT /api/v1/webhooks/{id}/sharing': a('webhook.share', 'webhook', 'path'),
  // A reservation is a policy object: target type `policy`, its id as the target.
  'POST /api/v1/reservations': a('reservation.create', 'policy', 'created'),
  'PATCH /api/v1/reservations/{id}': a('reservation.update', 'policy', 'path'),
  'DELETE /api/v1/reservations/{id}': a('reservation.release', 'policy', 'path'),
};

/** The methods whose operations change something, and so must be audited. */
export const AUDITED_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
