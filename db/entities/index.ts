import { AudioMessage } from './audio-message.entity.js';
import { AuditEntry } from './audit-entry.entity.js';
import { AuthKey } from './auth-key.entity.js';
import { BlocklistEntry } from './blocklist-entry.entity.js';
import { CallRecord } from './call-record.entity.js';
import { Campaign } from './campaign.entity.js';
import { CampaignContact } from './campaign-contact.entity.js';
import { CampaignEventTicket } from './campaign-event-ticket.entity.js';
import { Department, DepartmentManager } from './department.entity.js';
import { Contact, ContactInvalidLine } from './contact.entity.js';
import { ContactList } from './contact-list.entity.js';
import { LoginFailure } from './login-failure.entity.js';
import { OAuthClient } from './oauth-client.entity.js';
import { OidcPayload } from './oidc-payload.entity.js';
import { DialLedger, OwnerPolicy } from './owner-policy.entity.js';
import { PolicySkip, Reservation, ReservationPhone } from './reservation.entity.js';
import { RecordingUpload } from './recording-upload.entity.js';
import { SipTrunk } from './sip-trunk.entity.js';
import {
  CallerIdUsage,
  CallLease,
  CampaignPacing,
  CampaignTrunkShare,
  TrunkHealth,
  TrunkPacing,
} from './trunk-capacity.entity.js';
import { User } from './user.entity.js';
import { Webhook } from './webhook.entity.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

export {
  AudioMessage,
  AuditEntry,
  AuthKey,
  BlocklistEntry,
  CallRecord,
  Campaign,
  CampaignContact,
  CampaignEventTicket,
  Contact,
  ContactInvalidLine,
  ContactList,
  Department,
  DepartmentManager,
  LoginFailure,
  OAuthClient,
  OidcPayload,
  RecordingUpload,
  SipTrunk,
  CallLease,
  TrunkPacing,
  CampaignPacing,
  TrunkHealth,
  CallerIdUsage,
  CampaignTrunkShare,
  User,
  Webhook,
  WebhookDelivery,
  OwnerPolicy,
  DialLedger,
  Reservation,
  ReservationPhone,
  PolicySkip,
};
export { CONTACT_LIST_STATUSES, type ContactListStatus } from './contact-list.entity.js';
export {
  ACTIVE_CAMPAIGN_STATUSES,
  CAMPAIGN_STATUSES,
  ENDED_CAMPAIGN_STATUSES,
  OPT_OUT_DIGITS,
  type CampaignStatusValue,
  type OptOutDigit,
} from './campaign.entity.js';
export { RECORDING_STATES, type RecordingState } from './call-record.entity.js';
export { CAMPAIGN_CONTACT_STATES, type CampaignContactState } from './campaign-contact.entity.js';
export { ROLES, type Role } from './user.entity.js';
export { AUDIT_OUTCOMES, AUDIT_TARGET_TYPES, type AuditOutcome, type AuditTargetType } from './audit-entry.entity.js';
export { BLOCKLIST_REASONS, type BlocklistReason } from './blocklist-entry.entity.js';
export {
  SIP_CODECS,
  SIP_TRANSPORTS,
  trunkPasswordContext,
  type SipCodec,
  type SipTransport,
} from './sip-trunk.entity.js';
export { WEBHOOK_EVENTS, webhookSecretContext, type WebhookEvent } from './webhook.entity.js';
export {
  WEBHOOK_DELIVERY_STATUSES,
  type WebhookAttemptLog,
  type WebhookDeliveryStatus,
} from './webhook-delivery.entity.js';

export const ENTITIES = [
  User,
  Department,
  DepartmentManager,
  OAuthClient,
  AuthKey,
  OidcPayload,
  LoginFailure,
  SipTrunk,
  AudioMessage,
  ContactList,
  Contact,
  ContactInvalidLine,
  Campaign,
  CampaignContact,
  CampaignEventTicket,
  CallRecord,
  RecordingUpload,
  TrunkPacing,
  CampaignPacing,
  CallLease,
  TrunkHealth,
  CallerIdUsage,
  CampaignTrunkShare,
  Webhook,
  WebhookDelivery,
  BlocklistEntry,
  OwnerPolicy,
  DialLedger,
  AuditEntry,
  Reservation,
  ReservationPhone,
  PolicySkip,
];
