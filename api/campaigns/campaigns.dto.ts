import type { CampaignStatusValue, OptOutDigit } from '../../db/entities/index.js';
import type { CallOutcome, ContactOutcome } from '../../campaign/outcomes.js';
import type { MachineDetectionMode } from '../../campaign/machine-detection.js';
import type { TimezoneSource, Weekday } from '../../campaign/calling-window.js';
import type { SipDisplayName } from '../sip-text.dto.js';
import type { Uuid } from '../ids.dto.js';
import type { RetryByOutcomeDto } from './retry.dto.js';
import type { CallerIdPoolDto } from './caller-id-pool.dto.js';
import type { ComplianceProfile } from '../../campaign/compliance-profile.js';

/**
 * The campaign's trunk group: your trunks in order of preference, at most 5, each once. A
 * call goes to the first one that is up and has a free line; when that trunk fails
 * technically (no response, unreachable, 408, 401/407, 5xx) the same attempt goes at once to
 * the next one. A deliberate answer (486, 603, 404, …) never fails over. The first is also
 * `trunkId`.
 * @minItems 1
 * @maxItems 5
 * @uniqueItems
 */
export type TrunkGroup = Uuid[];

/**
 * A trunk of a weighted group (`trunks`), as in DNS SRV (RFC 2782) or a carrier's
 * origination URIs: calls go to the lowest `priority` that has a trunk up with a free line;
 * trunks of the same priority share its calls in proportion to their `weight`, in a fixed
 * rotation (3 and 1: three calls, then one); a technical failure fails over to another trunk
 * of the same or a later priority.
 */
export interface TrunkShareDto {
  /** @format uuid */
  trunkId: string;
  /**
   * Lower is preferred. Default: the entry's position (1, 2, …), i.e. `trunkIds`' order.
   * @isInt
   * @minimum 1
   * @maximum 100
   */
  priority?: number;
  /**
   * Share of its priority's calls. Default 1.
   * @isInt
   * @minimum 1
   * @maximum 100
   */
  weight?: number;
}

/**
 * The trunk group with priorities and weights, at most 5 trunks, each once.
 * @minItems 1
 * @maxItems 5
 */
export type WeightedTrunkGroup = TrunkShareDto[];

/** A trunk of the group as views show it: `priority` and `weight` always given. */
export interface TrunkShareView {
  /** @format uuid */
  trunkId: string;
  /** @isInt */
  priority: number;
  /** @isInt */
  weight: number;
}

/**
 * When calls may be placed, in the window's own time zone or (`timezoneFrom: "number"`) in
 * each callee's. `to` before `from` runs overnight; `to` may be `24:00`.
 * @example { "days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "20:00", "timezone": "Europe/Berlin" }
 */
export interface CallingWindowDto {
  /** Days on which the window opens. */
  days: Weekday[];
  /** `HH:MM` or `HH:MM:SS`, inclusive. */
  from: string;
  /** `HH:MM` or `HH:MM:SS`, exclusive. */
  to: string;
  /** IANA time zone, e.g. `Europe/Berlin`; with `timezoneFrom: "number"`, for the numbers whose zone cannot be told. */
  timezone: string;
  /**
   * `campaign` (default): `from`/`to` are read in `timezone` for every call. `number`: in the
   * callee's local time, told from the number's prefix (Google libphonenumber's time-zone
   * data). A number whose prefix spans several zones is called only while the window is open
   * in all of them; if they never are at once, or the zone cannot be told, `timezone` applies.
   */
  timezoneFrom?: TimezoneSource;
}

/** Presented instead of the trunk's caller ID. */
export interface CallerIdDto {
  /**
   * Digits, optionally with a leading `+`.
   * @pattern ^\+?[0-9]{2,20}$
   */
  number: string;
  /** Display name. */
  name?: SipDisplayName | null;
}

/**
 * Answering-machine detection. `mode`: `off`; `detect` (a verdict as early as possible after
 * the answer: human, machine or unknown); `detect_message_end` (on a machine, also wait for
 * the beep or the silence after the greeting before playing, so a voicemail gets the whole
 * message). The timings tune the detector (docs/telephony.md lists the defaults and what
 * each trades: speed against accuracy).
 */
export interface MachineDetectionDto {
  mode: MachineDetectionMode;
  /** A person answered: `play_message` (default) or `hang_up`. */
  onHuman?: 'play_message' | 'hang_up';
  /** A machine answered: `play_message` (default), `play_audio` (`machineAudioId`, e.g. a shorter voicemail copy) or `hang_up`. */
  onMachine?: 'play_message' | 'play_audio' | 'hang_up';
  /**
   * One of your audio messages, played to machines when `onMachine` is `play_audio`.
   * @format uuid
   */
  machineAudioId?: string | null;
  /** How an `unknown` verdict is treated: `human` (default) or `machine`. */
  unknownAs?: 'human' | 'machine';
  /** Retry calls a machine answered, like the `retryOn` outcomes (default false: a machine counts as reached). */
  retryMachines?: boolean;
  /**
   * No voice by then: `unknown` (default 3500).
   * @isInt
   * @minimum 1000
   * @maximum 10000
   */
  initialSilenceMs?: number;
  /**
   * Voice this long without a pause is a greeting: `machine` (default 1500; 200 less when the
   * voice starts 2 s or more after the answer).
   * @isInt
   * @minimum 800
   * @maximum 5000
   */
  greetingMs?: number;
  /**
   * A pause this long after a shorter opening: `human` (default 800).
   * @isInt
   * @minimum 300
   * @maximum 3000
   */
  afterGreetingSilenceMs?: number;
  /**
   * No verdict by then: `unknown` (default 5000).
   * @isInt
   * @minimum 2000
   * @maximum 10000
   */
  totalAnalysisMs?: number;
  /**
   * After a machine verdict, this much quiet ends a greeting that has no beep (default 1200).
   * @isInt
   * @minimum 500
   * @maximum 5000
   */
  endSilenceMs?: number;
  /**
   * Longest wait for the greeting's end, from the answer (default 30000).
   * @isInt
   * @minimum 5000
   * @maximum 60000
   */
  maxWaitMs?: number;
  /**
   * `detect_message_end` only: after a human verdict, listen on for a voicemail beep until
   * this long after the answer (at most `maxWaitMs`; default 20000; 0: stop listening at the
   * verdict). A beep then means a voicemail taken for a person: what plays stops, and the
   * machine action (onMachine) starts after the beep; the journal shows `revisedFrom`.
   * @isInt
   * @minimum 0
   * @maximum 60000
   */
  lateBeepMs?: number;
}

/** The dialling settings of a campaign; every one has a default. */
export interface CampaignSettingsDto {
  /**
   * Calls of this campaign in progress at once (default 10); the trunk's own limit holds too.
   * @isInt
   * @minimum 1
   * @maximum 1000
   */
  maxConcurrentCalls?: number;
  /**
   * New calls started per second by this campaign, more than 0 and at most 1000 (default 1).
   * @maximum 1000
   */
  callsPerSecond?: number;
  /**
   * Attempts per contact, the first call included (default 3).
   * @isInt
   * @minimum 1
   * @maximum 20
   */
  maxAttempts?: number;
  /**
   * Seconds between an attempt and the retry (default 600).
   * @isInt
   * @minimum 0
   * @maximum 604800
   */
  retryDelaySeconds?: number;
  /**
   * Outcomes that earn another attempt (default busy, no_answer, unavailable, failed).
   * answered, rejected, invalid_number and cancelled are never retried.
   */
  retryOn?: CallOutcome[];
  /**
   * Retry rules per outcome (delay or escalating delays, attempt cap); `null` (default): none,
   * every outcome follows `retryOn` and `retryDelaySeconds`. A PATCH replaces it whole.
   */
  retry?: RetryByOutcomeDto | null;
  /**
   * Seconds to let it ring (default 30).
   * @isInt
   * @minimum 5
   * @maximum 300
   */
  ringTimeoutSeconds?: number;
  /**
   * Longest call after the answer, seconds (default 300).
   * @isInt
   * @minimum 5
   * @maximum 7200
   */
  maxCallSeconds?: number;
  /** `null` (default): any time. */
  callingWindow?: CallingWindowDto | null;
  /** Record answered calls (default true). */
  record?: boolean;
  /** Recordings private by default (default false). */
  recordingsPrivate?: boolean;
  /** `null` (default): the trunk's caller ID. */
  callerId?: CallerIdDto | null;
  /** `null` (default): every call with `callerId`. A PATCH replaces it whole. */
  callerIdPool?: CallerIdPoolDto | null;
  /**
   * The DTMF key (`0`-`9`, `*`, `#`; RFC 4733 or SIP INFO) that opts the callee out: pressed
   * during the call, the number goes on your blocklist and the call ends at once. `null`
   * (default): no opt-out key.
   */
  optOutDigit?: OptOutDigit | null;
  /** `null` (default): no answering-machine detection, the message starts at the answer. */
  machineDetection?: MachineDetectionDto | null;
  /**
   * The compliance profile whose rules the campaign keeps (default `none`): `us` needs a
   * `callingWindow` on the callee's clock (`timezoneFrom: "number"`) inside 08:00–21:00,
   * `ringTimeoutSeconds` of at least 15 and an `optOutDigit`; `uk` holds a number back for
   * 72 h after an abandoned call to it. Settings that break a rule are a 422
   * `compliance-violation` naming the rule (docs/campaigns.md, "Compliance profiles").
   */
  complianceProfile?: ComplianceProfile;
}

/**
 * @minLength 1
 * @maxLength 200
 */
export type CampaignName = string;

/**
 * An ISO 8601 instant with its offset (`Z` or `±HH:MM`), e.g. `2026-12-24T09:00:00+01:00`.
 * @pattern ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$ must be an ISO 8601 date and time with its offset, e.g. 2026-12-24T09:00:00+01:00
 */
export type Instant = string;

/** When a started campaign calls. */
export interface CampaignScheduleDto {
  /**
   * When the campaign places its first call once started (`POST …/start` makes it
   * `scheduled` until then; a time that has passed by then starts it at once). At most 366
   * days ahead, not in the past. `null` (default): at start.
   */
  startAt?: Instant | null;
  /**
   * When it stops placing calls: calls in flight finish, the contacts not done end with
   * outcome `expired` and the campaign with status `expired`. After `startAt` and not in the
   * past. `null` (default): when every contact is done.
   */
  endAt?: Instant | null;
}

/**
 * Changes the fields given: any of them while the campaign is a draft, only `startAt` and
 * `endAt` while it is scheduled.
 */
export interface UpdateCampaignRequest extends CampaignSettingsDto, CampaignScheduleDto {
  name?: CampaignName;
  /**
   * One of your trunks: the first of the trunk group. Alone in a new campaign, a group of
   * one; alone in a change, it replaces the group's first trunk and keeps the others. With
   * `trunkIds` it must be `trunkIds[0]`.
   * @format uuid
   */
  trunkId?: string;
  /**
   * The whole trunk group, in order; replaces `trunkId` and the fallbacks (and any weights:
   * each trunk its own priority, in this order).
   */
  trunkIds?: TrunkGroup;
  /**
   * The whole trunk group with priorities and weights (instead of `trunkIds`, not with it).
   * `trunkId`, when given too, must be the trunk calls go to first (lowest priority, first
   * listed).
   */
  trunks?: WeightedTrunkGroup;
  /**
   * One of your audio messages.
   * @format uuid
   */
  audioId?: string;
  /**
   * One of your contact lists.
   * @format uuid
   */
  contactListId?: string;
}

/** A new campaign (status `draft`); the settings left out take their defaults. `trunkId`, `trunkIds` or `trunks` is required. */
export interface CreateCampaignRequest extends UpdateCampaignRequest {
  name: CampaignName;
  /** @format uuid */
  audioId: string;
  /** @format uuid */
  contactListId: string;
}

/** A new draft over the contacts of an ended campaign whose final outcome is one of `outcomes`. */
export interface RerunCampaignRequest {
  /**
   * Final outcomes to call again: a call's (`busy`, `no_answer`, …), `blocked`, `expired`
   * (the campaign's `endAt` came first) or `cancelled` (the campaign was cancelled first,
   * or the call was).
   * @minItems 1
   * @uniqueItems
   */
  outcomes: ContactOutcome[];
  /** Default: the parent's name with ` (re-run)`. */
  name?: CampaignName;
}

/** Contacts per scheduler state, from PostgreSQL. */
export interface CampaignCounts {
  /** Contacts copied into the campaign when it started. */
  total: number;
  /** Never called yet. */
  pending: number;
  /** Being called now. */
  inFlight: number;
  /** A retry is scheduled. */
  waiting: number;
  /** Finished (see `outcomes`). */
  done: number;
  /** Left when the campaign was cancelled. */
  cancelled: number;
  /**
   * Finished contacts by their final outcome (`answered`, `busy`, `no_answer`, …; `blocked`:
   * the number was on the blocklist when it was due, so it was never dialled; `expired`: the
   * campaign's `endAt` came before it was done).
   */
  outcomes: Record<string, number>;
}

/** A call the workflow has in flight. */
export interface LiveCallView {
  attemptId: string;
  phone: string;
  /** ISO 8601. */
  since: string;
}

/** The workflow's own view, from its `campaignProgress` query; absent when it could not be asked. */
export interface CampaignLiveView {
  status: string;
  inFlight: LiveCallView[];
  callsStarted: number;
  /** ISO 8601, while the calling window is closed: when it opens. */
  waitingForWindowUntil: string | null;
  /** The schedule the workflow works to (ISO 8601); absent from workflows started before schedules existed. */
  startAt?: string | null;
  endAt?: string | null;
  /**
   * The most calls the workflow keeps in flight now: the campaign's `maxConcurrentCalls`, or
   * its owner's or department's concurrent-call limit when that is lower (read again at each
   * claim, so a raise shows after the next one); absent from workflows started before it.
   */
  maxInFlight?: number;
}

/**
 * A list copied into its campaign in the background (larger than
 * CAMPAIGN_COPY_INLINE_MAX_CONTACTS): the campaign is `preparing` until `finishedAt`, and
 * calls the contacts copied so far meanwhile.
 */
export interface CampaignPreparation {
  /** The list's contacts when the campaign was started. */
  contactsTotal: number;
  contactsCopied: number;
  /** When the copy finished; `null` while it runs (or stopped: the campaign was cancelled or expired first). */
  finishedAt: Date | null;
}

export interface CampaignView {
  /** @format uuid */
  id: string;
  /** @format uuid */
  ownerId: string;
  /** Shared with the owner's department: its members see it (and may use it), only the owner changes it. */
  shared: boolean;
  name: string;
  status: CampaignStatusValue;
  /** `null` once the trunk was deleted (only possible while the campaign is not running). */
  trunkId: string | null;
  /** The trunk group in order: `trunkId` first, then the trunks a call fails over to. Deleted trunks leave it. */
  trunkIds: string[];
  /**
   * The same group with each trunk's priority and weight; without weights set (`trunkIds`),
   * priorities 1, 2, … in order and weights 1.
   */
  trunks: TrunkShareView[];
  audioId: string | null;
  contactListId: string | null;
  maxConcurrentCalls: number;
  callsPerSecond: number;
  maxAttempts: number;
  retryDelaySeconds: number;
  retryOn: CallOutcome[];
  /** Retry rules per outcome; `null`: none. */
  retry: RetryByOutcomeDto | null;
  ringTimeoutSeconds: number;
  maxCallSeconds: number;
  callingWindow: CallingWindowDto | null;
  record: boolean;
  recordingsPrivate: boolean;
  callerId: CallerIdDto | null;
  callerIdPool: CallerIdPoolDto | null;
  optOutDigit: OptOutDigit | null;
  machineDetection: MachineDetectionDto | null;
  /** The campaign's own compliance profile (its owner's policy may add one: see `GET /policies`). */
  complianceProfile: ComplianceProfile;
  /** When it places its first call once started; `null`: at start. */
  startAt: Date | null;
  /** When it stops placing calls; `null`: never. */
  endAt: Date | null;
  /** The campaign this one re-runs (`POST …/rerun`); `null` otherwise, or once that one was deleted. */
  parentCampaignId: string | null;
  /** Temporal workflow id (`campaign-<id>`), once started. */
  workflowId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When it was started (`POST …/start`); a scheduled one: when its `startAt` came. */
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The background copy of a large list; `null` when the list was copied at start. */
  preparation: CampaignPreparation | null;
}

/** One campaign with its progress. */
export interface CampaignDetail extends CampaignView {
  progress: CampaignCounts;
  /** Present while the workflow runs and answered its query. */
  live?: CampaignLiveView;
}

export interface CampaignPage {
  /** Newest first. */
  items: CampaignView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** A one-time ticket for `GET /api/v1/campaigns/{id}/events?ticket=…`. */
export interface EventTicket {
  /** Opens one stream of this campaign, once. Keep it out of logs and history all the same. */
  ticket: string;
  /** It is void after this (30 seconds after it was issued). */
  expiresAt: Date;
}
