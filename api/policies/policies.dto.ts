import type { ComplianceProfile } from '../../campaign/compliance-profile.js';

/**
 * Simultaneous calls.
 * @isInt
 * @minimum 1
 * @maximum 100000
 */
export type ConcurrentCallLimit = number;

/**
 * Webhooks one owner may have.
 * @isInt
 * @minimum 1
 * @maximum 1000
 */
export type WebhookLimit = number;

/**
 * Uploads one owner may have in flight at once (per API process).
 * @isInt
 * @minimum 1
 * @maximum 100
 */
export type UploadLimit = number;

/**
 * At most `maxCalls` calls to the same number per rolling `windowSeconds`, across all of the
 * owner's campaigns. (The bounds are checked by the service, which names the field.)
 */
export interface FrequencyCapSetting {
  /** Calls to one number per window: a whole number from 1 to 1000. */
  maxCalls: number;
  /** Length of the rolling window in seconds: a whole number from 1 to 2592000 (30 days). */
  windowSeconds: number;
}

/** The caller's communication policies as they apply now. */
export interface PolicyView {
  /** The frequency cap; null = none. A capped contact is rescheduled for when the window frees a slot. */
  frequencyCap: FrequencyCapSetting | null;
  /**
   * `owner`: set with PUT; `default`: the installation's (FREQUENCY_CAP_MAX_CALLS), also when
   * an owner's cap stored earlier is looser than it (the installation's cap is a minimum).
   */
  frequencyCapSource: 'owner' | 'default';
  /** Tenant limit: simultaneous calls across all the owner's campaigns; null = none. Set by an administrator. */
  maxConcurrentCalls: number | null;
  /** `administrator`: set for this user; `default`: the installation's (TENANT_MAX_CONCURRENT_CALLS). */
  maxConcurrentCallsSource: 'administrator' | 'default';
  /** Webhooks the owner may have; creating one more is a 409 `limit-exceeded`. Set by an administrator. */
  maxWebhooks: number;
  /** `administrator`: set for this user; `default`: the installation's (WEBHOOKS_MAX_PER_OWNER). */
  maxWebhooksSource: 'administrator' | 'default';
  /** Uploads (audio, contact lists, blocklist files) in flight at once; one more is a 429. Set by an administrator. */
  maxUploadsInFlight: number;
  /** `administrator`: set for this user; `default`: the installation's (UPLOADS_MAX_IN_FLIGHT_PER_OWNER). */
  maxUploadsInFlightSource: 'administrator' | 'default';
  /**
   * The compliance profile every one of the owner's campaigns keeps, besides its own
   * (`none`: only the campaign's). Checked when a campaign starts; `uk`'s hold at each call.
   */
  complianceProfile: ComplianceProfile;
  /** The caller's department's limits; null: the caller belongs to no department. */
  department: DepartmentPolicyView | null;
  /**
   * What binds, limit by limit: all of owner, department and installation are enforced at
   * each call, so the strictest is the one a campaign meets (docs/policies.md).
   */
  effective: EffectiveLimitsView;
}

/** The caller's department's limits as an administrator set them (null: not set). */
export interface DepartmentPolicyView {
  /** @format uuid */
  id: string;
  name: string;
  /** Simultaneous calls of all the members' campaigns together. */
  maxConcurrentCalls: number | null;
  /** Calls placed by all the members together per UTC day. */
  maxCallsPerDay: number | null;
  /** Calls to one number per rolling window, counted across all the members' campaigns. */
  frequencyCap: FrequencyCapSetting | null;
}

/**
 * Whose limit binds: `owner` (set with PUT), `administrator` (set for the user), `department`
 * (the caller's department's), `default` (the installation's), `none` (nowhere set).
 */
export type LimitSourceView = 'owner' | 'administrator' | 'department' | 'default' | 'none';

export interface BindingNumberLimit {
  /** null: no limit. */
  value: number | null;
  source: LimitSourceView;
  /** Why this one binds rather than the others. */
  reason: string;
}

export interface BindingCapLimit {
  /** null: no cap. */
  value: FrequencyCapSetting | null;
  source: LimitSourceView;
  /** Why this one binds rather than the others. */
  reason: string;
}

/** The strictest of owner, department and installation, per limit: what binds the caller's campaigns, and why. */
export interface EffectiveLimitsView {
  maxConcurrentCalls: BindingNumberLimit;
  maxCallsPerDay: BindingNumberLimit;
  frequencyCap: BindingCapLimit;
}

/** The owner's own policies; the tenant limit is not among them (an administrator sets it). */
export interface UpdatePolicyRequest {
  /**
   * A cap, `null` for none, or left out to follow the installation's default. When the
   * installation has a cap it is a minimum: a looser cap or `null` is a 422.
   */
  frequencyCap?: FrequencyCapSetting | null;
  /**
   * A compliance profile for all the caller's campaigns (`us`, `uk`; `none` or left out:
   * none). Like the cap, a PUT sets the whole policy: left out is `none`.
   */
  complianceProfile?: ComplianceProfile;
}

/** A user's limits as they apply now. */
export interface LimitsView {
  /** @format uuid */
  userId: string;
  /** Simultaneous calls across the user's campaigns; null = none. */
  maxConcurrentCalls: number | null;
  maxConcurrentCallsSource: 'administrator' | 'default';
  /** Webhooks the user may have. */
  maxWebhooks: number;
  maxWebhooksSource: 'administrator' | 'default';
  /** Uploads the user may have in flight at once (per API process). */
  maxUploadsInFlight: number;
  maxUploadsInFlightSource: 'administrator' | 'default';
}

/** Each limit given is set; one left out stays as it is. At least one is needed. */
export interface UpdateLimitsRequest {
  /** Simultaneous calls across the user's campaigns, or null to follow the installation's default. */
  maxConcurrentCalls?: ConcurrentCallLimit | null;
  /** Webhooks the user may have, or null to follow the installation's default. */
  maxWebhooks?: WebhookLimit | null;
  /** Uploads the user may have in flight at once, or null to follow the installation's default. */
  maxUploadsInFlight?: UploadLimit | null;
}
