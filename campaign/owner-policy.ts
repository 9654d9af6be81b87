/**
 * An owner's communication policies, as stored (`owner_policy`) and as they apply: each
 * value the owner (or, for the tenant limit, an administrator) has not set falls back to
 * the installation's default from configuration. The default frequency cap is also a floor
 * the owner cannot loosen (F23). Pure, so the API (which shows the
 * effective values) and the worker (which enforces them) resolve them the same way.
 */
import type { ComplianceProfile } from './compliance-profile.js';

/** At most `maxCalls` calls to one number per rolling `windowSeconds`, across all of an owner's campaigns. */
export interface FrequencyCap {
  readonly maxCalls: number;
  readonly windowSeconds: number;
}

/** The installation's defaults (lib/config.ts). */
export interface PolicyDefaults {
  /** null = no cap unless the owner sets one. */
  readonly frequencyCap: FrequencyCap | null;
  /** Simultaneous calls per owner across campaigns; null = no limit unless an administrator sets one. */
  readonly maxConcurrentCalls: number | null;
  /** Webhooks an owner may have (each call writes a delivery row per webhook and event). */
  readonly maxWebhooks: number;
  /** Uploads (audio, contact lists, blocklist files) an owner may have in flight at once, per API process. */
  readonly maxUploadsInFlight: number;
  /** E.164 prefixes this installation never dials, whoever owns the campaign (DIAL_DENIED_PREFIXES). */
  readonly deniedPrefixes?: readonly string[];
}

/**
 * An `owner_policy` row. `frequencyCapMaxCalls`: null = the default applies, 0 = the owner
 * turned the cap off, n > 0 = n calls per `frequencyCapWindowSeconds`. `maxConcurrentCalls`:
 * null = the default applies; so does a null `maxWebhooks`.
 */
export interface StoredPolicy {
  readonly frequencyCapMaxCalls: number | null;
  readonly frequencyCapWindowSeconds: number | null;
  readonly maxConcurrentCalls: number | null;
  readonly maxWebhooks: number | null;
  readonly maxUploadsInFlight: number | null;
  /** null: none (campaign/compliance-profile.ts). */
  readonly complianceProfile?: ComplianceProfile | null;
}

export interface EffectivePolicy {
  readonly frequencyCap: FrequencyCap | null;
  readonly frequencyCapSource: 'owner' | 'default';
  readonly maxConcurrentCalls: number | null;
  readonly maxConcurrentCallsSource: 'administrator' | 'default';
  readonly maxWebhooks: number;
  readonly maxWebhooksSource: 'administrator' | 'default';
  readonly maxUploadsInFlight: number;
  readonly maxUploadsInFlightSource: 'administrator' | 'default';
  /** Kept by every campaign of the owner besides the campaign's own profile. */
  readonly complianceProfile: ComplianceProfile;
}

/** Bounds of the settable values (the API validates them; the ledger keeps dials this long). */
export const FREQUENCY_CAP_LIMITS = { maxCalls: 1000, windowSeconds: 30 * 24 * 3600 } as const;
export const MAX_CONCURRENT_CALLS_LIMIT = 100_000;
export const MAX_WEBHOOKS_LIMIT = 1000;
export const MAX_UPLOADS_IN_FLIGHT_LIMIT = 100;

/**
 * `cap` never allows more than `floor`: no more calls, in a window no shorter, so any window
 * of the floor's length holds at most the floor's calls (F23). 1 per week is within 3 per
 * day; 1 per hour is not (24 a day), nor is 5 per week (5 in one day).
 */
export function withinFloor(cap: FrequencyCap, floor: FrequencyCap): boolean {
  return cap.maxCalls <= floor.maxCalls && cap.windowSeconds >= floor.windowSeconds;
}

/**
 * Why an owner may not set `cap` (`null`: no cap) over the installation's `floor`, as
 * `[field, message]` pairs (field `''` is the cap itself); empty when allowed. The
 * operator's cap is a minimum: an owner may tighten it, never loosen or remove it.
 */
export function frequencyCapFloorProblems(
  cap: FrequencyCap | null,
  floor: FrequencyCap | null,
): [field: string, message: string][] {
  if (floor === null) return [];
  const minimum = `the installation's cap (${floor.maxCalls} calls per ${floor.windowSeconds} s) is a minimum`;
  if (cap === null) return [['', `${minimum}: it cannot be turned off (send {} to follow it)`]];
  const problems: [string, string][] = [];
  if (cap.maxCalls > floor.maxCalls) problems.push(['maxCalls', `must be at most ${floor.maxCalls}: ${minimum}`]);
  if (cap.windowSeconds < floor.windowSeconds) {
    problems.push(['windowSeconds', `must be at least ${floor.windowSeconds}: ${minimum}`]);
  }
  return problems;
}

/**
 * What applies to an owner whose row is `stored` (undefined: no row, everything default).
 * An owner's cap that is off or looser than the installation's (stored before the operator
 * set or tightened the default) does not apply: the default does.
 */
export function effectivePolicy(stored: StoredPolicy | undefined, defaults: PolicyDefaults): EffectivePolicy {
  const maxCalls = stored?.frequencyCapMaxCalls ?? null;
  const windowSeconds = stored?.frequencyCapWindowSeconds ?? null;
  const ownCap = maxCalls !== null && maxCalls > 0 && windowSeconds !== null ? { maxCalls, windowSeconds } : null;
  const floor = defaults.frequencyCap;
  const ownApplies = maxCalls !== null && (floor === null || (ownCap !== null && withinFloor(ownCap, floor)));
  const limit = stored?.maxConcurrentCalls ?? null;
  const webhooks = stored?.maxWebhooks ?? null;
  const uploads = stored?.maxUploadsInFlight ?? null;
  return {
    frequencyCap: ownApplies ? ownCap : floor,
    frequencyCapSource: ownApplies ? 'owner' : 'default',
    maxConcurrentCalls: limit ?? defaults.maxConcurrentCalls,
    maxConcurrentCallsSource: limit === null ? 'default' : 'administrator',
    maxWebhooks: webhooks ?? defaults.maxWebhooks,
    maxWebhooksSource: webhooks === null ? 'default' : 'administrator',
    maxUploadsInFlight: uploads ?? defaults.maxUploadsInFlight,
    maxUploadsInFlightSource: uploads === null ? 'default' : 'administrator',
    complianceProfile: stored?.complianceProfile ?? 'none',
  };
}

/** Problems with a frequency cap, as `[field, message]` pairs; empty when valid. */
export function frequencyCapProblems(cap: FrequencyCap): [field: string, message: string][] {
  const problems: [string, string][] = [];
  const { maxCalls, windowSeconds } = FREQUENCY_CAP_LIMITS;
  if (!Number.isInteger(cap.maxCalls) || cap.maxCalls < 1 || cap.maxCalls > maxCalls) {
    problems.push(['maxCalls', `must be a whole number from 1 to ${maxCalls}`]);
  }
  if (!Number.isInteger(cap.windowSeconds) || cap.windowSeconds < 1 || cap.windowSeconds > windowSeconds) {
    problems.push(['windowSeconds', `must be a whole number of seconds from 1 to ${windowSeconds} (30 days)`]);
  }
  return problems;
}

/**
 * The operator's prefix (DIAL_DENIED_PREFIXES, e.g. `+1900`) that `phone` (E.164) starts
 * with, the longest if several, or undefined when it may be dialled. A deny list of
 * premium-rate and international shared-cost ranges stops toll fraud through a stolen
 * tenant account (F32); the numbers pass validation, as they are real numbers.
 */
export function deniedPrefix(prefixes: readonly string[] | undefined, phone: string): string | undefined {
  let match: string | undefined;
  for (const prefix of prefixes ?? []) {
    if (phone.startsWith(prefix) && prefix.length > (match?.length ?? 0)) match = prefix;
  }
  return match;
}
