/**
 * A campaign's dialling settings: defaults, merging a PATCH into what is stored, and the
 * checks tsoa's annotations cannot express (a rate above 0, the retry policy, the calling
 * window). Pure, so it is unit-tested beside this file.
 */
import type { OptOutDigit } from '../../db/entities/index.js';
import type { FieldError } from '../../lib/errors.js';
import type { CallOutcome } from '../../campaign/outcomes.js';
import { calendarProblems } from '../../campaign/calling-window.js';
import { DEFAULT_RETRY_ON, retryPolicyProblems } from '../../campaign/retry-policy.js';
import {
  AMD_TIMING_LIMITS,
  MACHINE_DETECTION_DEFAULTS,
  machineDetectionProblems,
  type AmdTimingName,
  type MachineDetectionSetting,
} from '../../campaign/machine-detection.js';
import type { CallerIdDto, CallingWindowDto, CampaignSettingsDto, MachineDetectionDto } from './campaigns.dto.js';
import type { RetryByOutcomeDto } from './retry.dto.js';
import type { CallerIdPoolDto } from './caller-id-pool.dto.js';
import { callerIdPoolProblems, DEFAULT_DAILY_CAP, type CallerIdPool } from '../../campaign/caller-id-pool.js';
import {
  complianceProblems,
  profilesInForce,
  type ComplianceProfile,
  type ComplianceSettings,
} from '../../campaign/compliance-profile.js';

/** Every setting, resolved. */
export interface CampaignSettings {
  maxConcurrentCalls: number;
  callsPerSecond: number;
  maxAttempts: number;
  retryDelaySeconds: number;
  retryOn: CallOutcome[];
  /** Rules per outcome; null: none. */
  retry: RetryByOutcomeDto | null;
  ringTimeoutSeconds: number;
  maxCallSeconds: number;
  callingWindow: CallingWindowDto | null;
  record: boolean;
  recordingsPrivate: boolean;
  callerId: CallerIdDto | null;
  /** null: no pool. */
  callerIdPool: CallerIdPool | null;
  optOutDigit: OptOutDigit | null;
  /** null: off. */
  machineDetection: MachineDetectionSetting | null;
  complianceProfile: ComplianceProfile;
}

export const CAMPAIGN_DEFAULTS: Readonly<CampaignSettings> = Object.freeze({
  maxConcurrentCalls: 10,
  callsPerSecond: 1,
  maxAttempts: 3,
  retryDelaySeconds: 600,
  retryOn: [...DEFAULT_RETRY_ON],
  retry: null,
  ringTimeoutSeconds: 30,
  maxCallSeconds: 300,
  callingWindow: null,
  record: true,
  recordingsPrivate: false,
  callerId: null,
  callerIdPool: null,
  optOutDigit: null,
  machineDetection: null,
  complianceProfile: 'none',
});

export const MAX_CALLS_PER_SECOND = 1000;

/** `base` with every setting given in `body` replacing it (`null` clears the nullable ones). */
export function mergeSettings(base: Readonly<CampaignSettings>, body: CampaignSettingsDto): CampaignSettings {
  const merged: CampaignSettings = { ...base, retryOn: [...base.retryOn] };
  for (const key of Object.keys(CAMPAIGN_DEFAULTS) as (keyof CampaignSettings)[]) {
    const value = body[key];
    if (value !== undefined && key !== 'machineDetection' && key !== 'callerIdPool') {
      Object.assign(merged, { [key]: value });
    }
  }
  if (body.callerIdPool !== undefined) merged.callerIdPool = callerIdPoolSetting(body.callerIdPool);
  // Replaced whole, as the calling window is: a PATCH names every field it wants kept.
  if (body.machineDetection !== undefined) merged.machineDetection = machineDetectionSetting(body.machineDetection);
  return merged;
}

/** The stored pool for what the API was given, the cap defaulted. */
function callerIdPoolSetting(dto: CallerIdPoolDto | null): CallerIdPool | null {
  if (dto === null) return null;
  return {
    numbers: [...dto.numbers],
    strategy: dto.strategy,
    dailyCapPerNumber: dto.dailyCapPerNumber ?? DEFAULT_DAILY_CAP,
  };
}

/** The stored setting for what the API was given; null (or mode off): no detection. */
export function machineDetectionSetting(dto: MachineDetectionDto | null): MachineDetectionSetting | null {
  if (dto === null || dto.mode === 'off') return null;
  const timings: Partial<Record<AmdTimingName, number>> = {};
  for (const name of Object.keys(AMD_TIMING_LIMITS) as AmdTimingName[]) {
    if (dto[name] !== undefined) timings[name] = dto[name];
  }
  const d = MACHINE_DETECTION_DEFAULTS;
  return {
    mode: dto.mode,
    onHuman: dto.onHuman ?? d.onHuman,
    onMachine: dto.onMachine ?? d.onMachine,
    machineAudioId: dto.machineAudioId ?? d.machineAudioId,
    unknownAs: dto.unknownAs ?? d.unknownAs,
    retryMachines: dto.retryMachines ?? d.retryMachines,
    timings,
  };
}

/** The setting as the API shows it (the timings given, flat). */
export function machineDetectionView(setting: MachineDetectionSetting | null): MachineDetectionDto | null {
  if (setting === null) return null;
  const { timings, ...rest } = setting;
  return { ...rest, ...timings };
}

/** What is wrong with `settings`, each problem naming its field as `body.<field>`. */
export function settingsProblems(settings: CampaignSettings): FieldError[] {
  const errors: FieldError[] = [];
  const rate = settings.callsPerSecond;
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_CALLS_PER_SECOND) {
    errors.push({ field: 'body.callsPerSecond', message: `must be more than 0 and at most ${MAX_CALLS_PER_SECOND}` });
  }
  for (const [field, message] of retryPolicyProblems({ ...settings, byOutcome: settings.retry }))
    errors.push({ field: `body.${field}`, message });
  if (settings.callerIdPool) {
    for (const [field, message] of callerIdPoolProblems(settings.callerIdPool))
      errors.push({ field: `body.${field}`, message });
  }
  if (settings.callingWindow) {
    for (const [field, message] of calendarProblems(settings.callingWindow)) {
      errors.push({ field: `body.callingWindow.${field}`, message });
    }
  }
  if (settings.machineDetection) {
    for (const [field, message] of machineDetectionProblems(settings.machineDetection)) {
      errors.push({ field: `body.machineDetection.${field}`, message });
    }
  }
  return errors;
}

/**
 * The rules of the compliance profiles in force (the campaign's own, and its owner's when
 * given) that `settings` break, each naming its rule and its field (`<prefix><field>`).
 */
export function complianceFieldErrors(
  settings: ComplianceSettings & { readonly complianceProfile: ComplianceProfile },
  ownerProfile: ComplianceProfile | null = null,
  prefix = 'body.',
): (FieldError & { rule: string })[] {
  const profiles = profilesInForce(settings.complianceProfile, ownerProfile);
  return complianceProblems(profiles, settings).map(({ rule, field, message }) => ({
    field: `${prefix}${field}`,
    message,
    rule,
  }));
}
