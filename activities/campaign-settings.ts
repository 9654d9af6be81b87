/**
 * A campaign's call settings as the activities read them: the campaign row, its trunk (as
 * the engine's `TrunkConfig`, password opened) and the key of its prepared audio.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from '../db/sql.js';
import { preparedAudioKey } from '../db/audio-messages.js';
import { selectCampaignRow } from '../db/campaigns.js';
import { ownerTrunkRows, toTrunkConfig } from '../db/trunk-config.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { TrunkConfig } from '../telephony/call-types.js';
import type { RetryPolicy } from '../campaign/retry-policy.js';
import { DEFAULT_DAILY_CAP, type CallerIdPool } from '../campaign/caller-id-pool.js';
import type { MachineDetectionSetting } from '../campaign/machine-detection.js';
import type { ComplianceProfile } from '../campaign/compliance-profile.js';
import { shareOf, type TrunkShare, type TrunkShares } from '../campaign/trunk-shares.js';

export interface CampaignCallSettings {
  readonly campaignId: string;
  readonly ownerId: string;
  readonly policy: RetryPolicy;
  readonly ringTimeoutMs: number;
  readonly maxCallMs: number;
  readonly record: boolean;
  readonly recordingsPrivate: boolean;
  readonly callerId?: TrunkConfig['callerId'];
  /** Numbers picked per call instead of `callerId` (activities/caller-id-pick.ts); null = none. */
  readonly callerIdPool: CallerIdPool | null;
  readonly callsPerSecond: number;
  /** The DTMF key that opts the callee out (blocklist, hang up); null = none. */
  readonly optOutDigit: string | null;
  readonly trunkId: string | null;
  /** The trunks tried after `trunkId` when it fails technically, in order (trunk groups). */
  readonly fallbackTrunkIds: readonly string[];
  /** Priorities and weights of the group (campaign/trunk-shares.ts); null: a plain order. */
  readonly trunkShares: TrunkShares | null;
  readonly audioId: string | null;
  /** Answering-machine detection; null = off. */
  readonly machineDetection: MachineDetectionSetting | null;
  /** The campaign's own compliance profile (the owner's policy may add one). */
  readonly complianceProfile: ComplianceProfile;
}

/** A trunk of the campaign's group, as the engine needs it, with its limits. */
export interface GroupTrunk {
  readonly trunk: TrunkConfig;
  readonly trunkLimits: { readonly maxConcurrentCalls: number; readonly maxCallsPerSecond: number };
  /** Its priority and weight in the group. */
  readonly share: TrunkShare;
}

export interface CampaignCallSetup extends CampaignCallSettings, GroupTrunk {
  /**
   * The trunk group in order: `trunk` (the first that still exists) and its fallbacks. Only
   * trunks of the campaign's owner (review F21), deleted ones left out.
   */
  readonly trunks: readonly GroupTrunk[];
  readonly audioId: string;
  readonly audioKey: string;
  /** The audio played to machines (`play_audio`), when it still exists. */
  readonly machineAudio?: { readonly id: string; readonly key: string };
}

/** The campaign's settings; a missing campaign is a permanent failure (never retried). */
export async function loadCampaignSettings(pool: Pool, campaignId: string): Promise<CampaignCallSettings> {
  const c = await selectCampaignRow(pool, campaignId);
  if (!c) throw ApplicationFailure.nonRetryable(`campaign ${campaignId} does not exist`, 'CampaignNotFound');
  return {
    campaignId,
    ownerId: c.owner_id,
    policy: {
      maxAttempts: c.max_attempts,
      retryDelaySeconds: c.retry_delay_seconds,
      retryOn: c.retry_on,
      byOutcome: c.retry_by_outcome ?? null,
      retryMachines: c.machine_detection?.retryMachines === true,
    },
    ringTimeoutMs: c.ring_timeout_seconds * 1000,
    maxCallMs: c.max_call_seconds * 1000,
    record: c.record,
    recordingsPrivate: c.recordings_private,
    ...(c.caller_id_number
      ? { callerId: { number: c.caller_id_number, ...(c.caller_id_name ? { displayName: c.caller_id_name } : {}) } }
      : {}),
    callerIdPool: c.caller_id_pool
      ? { ...c.caller_id_pool, dailyCapPerNumber: c.caller_id_pool.dailyCapPerNumber ?? DEFAULT_DAILY_CAP }
      : null,
    callsPerSecond: c.calls_per_second,
    optOutDigit: c.opt_out_digit,
    trunkId: c.trunk_id,
    fallbackTrunkIds: c.fallback_trunk_ids ?? [],
    trunkShares: c.trunk_shares ?? null,
    audioId: c.audio_id,
    machineDetection: c.machine_detection ?? null,
    complianceProfile: c.compliance_profile ?? 'none',
  };
}

/** Settings, trunk and audio of a campaign that can place calls; permanent failure when one is gone. */
export async function loadCallSetup(pool: Pool, secrets: SecretBox, campaignId: string): Promise<CampaignCallSetup> {
  const settings = await loadCampaignSettings(pool, campaignId);
  const trunks = await loadGroup(pool, secrets, settings);
  const trunk = trunks[0];
  if (!trunk) throw ApplicationFailure.nonRetryable(`campaign ${campaignId} has no trunk`, 'CampaignTrunkMissing');
  const audioKey = settings.audioId ? await preparedAudioKey(pool, settings.audioId) : undefined;
  if (audioKey === undefined || !settings.audioId) {
    throw ApplicationFailure.nonRetryable(`campaign ${campaignId} has no audio message`, 'CampaignAudioMissing');
  }
  const machineAudioId =
    settings.machineDetection?.onMachine === 'play_audio' ? settings.machineDetection.machineAudioId : null;
  const machineKey = machineAudioId ? await preparedAudioKey(pool, machineAudioId) : undefined;
  return {
    ...settings,
    ...(machineAudioId && machineKey !== undefined ? { machineAudio: { id: machineAudioId, key: machineKey } } : {}),
    ...trunk,
    trunks,
    audioId: settings.audioId,
    audioKey,
  };
}

/** The campaign's trunk group in order, the owner's trunks only; deleted ones (and repeats) left out. */
async function loadGroup(pool: Pool, secrets: SecretBox, settings: CampaignCallSettings): Promise<GroupTrunk[]> {
  const ids = [...new Set([settings.trunkId, ...settings.fallbackTrunkIds].filter((id) => id !== null))];
  const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (uuids.length === 0) return [];
  const rows = await ownerTrunkRows(pool, uuids, settings.ownerId);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const rowsInOrder = uuids.flatMap((id) => byId.get(id) ?? []);
  return rowsInOrder.map((row, position) => ({
    trunk: toTrunkConfig(row, secrets),
    trunkLimits: { maxConcurrentCalls: row.maxConcurrentCalls, maxCallsPerSecond: row.maxCallsPerSecond },
    share: shareOf(settings.trunkShares, row.id, position),
  }));
}
