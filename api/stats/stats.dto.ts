import type { CampaignCounts } from '../campaigns/campaigns.dto.js';

/**
 * Call statistics, every figure computed in SQL from the call journal (`call_record`) in one
 * read-only snapshot, so the figures agree with each other and with the journal rows.
 *
 * A journal row is one **attempt**. An attempt is a **seizure** (ITU-T E.411) when the
 * telephony engine dialled it: its outcome is one of the engine's (`answered`, `busy`,
 * `no_answer`, `rejected`, `invalid_number`, `unavailable`, `failed`, `cancelled`), except a
 * `cancelled` attempt whose campaign was cancelled before the call was dialled (`end_reason`
 * "cancelled before the call was placed" or "aborted before dialling"). Attempts that failed
 * in the network or at the gateway (busy, no answer, unavailable, failed, …) are seizures
 * that were not answered; an attempt with any other outcome (one the engine never gives,
 * such as a policy's `blocked`) was not dialled and is not a seizure.
 *
 * Figures over nothing are 0, never null or NaN.
 */
export interface CallStats {
  /** Journal rows (attempts) counted. */
  attempts: number;
  /**
   * Attempts by outcome. Every known outcome (`answered`, `busy`, `no_answer`, `rejected`,
   * `invalid_number`, `unavailable`, `failed`, `cancelled`) is present, 0 when none; any other
   * outcome found in the journal is added with its count. The values sum to `attempts`.
   */
  outcomes: Record<string, number>;
  /**
   * Seizures: attempts the telephony engine dialled, i.e. with one of its outcomes (those
   * listed under `outcomes`) except `cancelled` ones that were cancelled before the call was
   * dialled (`end_reason` "cancelled before the call was placed" / "aborted before dialling").
   * Attempts with another outcome (e.g. a policy's `blocked`) were not dialled.
   */
  seizures: number;
  /** Attempts with outcome `answered` (a call still in progress included). */
  answered: number;
  /**
   * Answer-seizure ratio (ITU-T E.411): `answered / seizures`, between 0 and 1, unrounded;
   * 0 when there was no seizure. An attempt cancelled before it was dialled is not a seizure.
   */
  answerSeizureRatio: number;
  /**
   * Answered calls split by answering-machine detection: `humans` and `machines` as the
   * calls were treated (an `unknown` verdict counted as the campaign's `unknownAs` said, and
   * also in `unknown`), `notDetected` for calls answered with detection off or still in
   * progress. `humans + machines + notDetected = answered`.
   */
  answeredBy: AnsweredByStats;
  /** Abandoned calls and the abandoned-call rate (the `us` compliance profile reports it). */
  abandoned: AbandonedStats;
  talkTime: TalkTimeStats;
  attemptsPerContact: AttemptsPerContactStats;
  dtmf: DtmfStats;
  callsPerHour: HourlyStats;
}

export interface AnsweredByStats {
  humans: number;
  machines: number;
  /** Of `humans` and `machines`: the verdicts that were `unknown`. */
  unknown: number;
  notDetected: number;
}

/**
 * Abandoned calls (docs/campaigns.md, "Compliance profiles"): answered calls that
 * answering-machine detection treated as a person (a `human` verdict, or `unknown` counted as
 * human) and hung up on without playing anything (`onHuman: hang_up`). Calls answered with
 * detection off get the message at the answer and are never abandoned.
 */
export interface AbandonedStats {
  /** Abandoned calls. */
  calls: number;
  /** Calls a person answered: answered and not treated as a machine (detection off included). */
  liveAnswered: number;
  /** `calls / liveAnswered`, between 0 and 1, unrounded; 0 when no person answered. */
  rate: number;
}

/**
 * Talk time (answer to hang-up, the journal's `talk_ms`) of the answered calls that have
 * ended; a call still in progress has none yet and is left out. Percentiles interpolate
 * linearly between the two nearest calls (PostgreSQL's `percentile_cont`), so the median of
 * an even number of calls is the mean of the middle two. Milliseconds, unrounded.
 */
export interface TalkTimeStats {
  /** Calls the figures are over. */
  calls: number;
  totalMs: number;
  averageMs: number;
  medianMs: number;
  p90Ms: number;
}

/**
 * How many attempts each contact took. A contact is a campaign contact (`campaign_contact`
 * row) for a campaign's statistics, a distinct phone number (E.164) for the owner-wide ones;
 * only contacts with at least one attempt in the journal (and, owner-wide, in the interval)
 * are counted.
 */
export interface AttemptsPerContactStats {
  contacts: number;
  /** `attempts / contacts`, unrounded; 0 without contacts. */
  average: number;
  /** Contacts by their number of attempts, from 1 to the most any contact had, zeros included. */
  distribution: AttemptsBucket[];
}

export interface AttemptsBucket {
  /** @isInt */
  attempts: number;
  /** @isInt */
  contacts: number;
}

/**
 * Key presses (RFC 4733 and SIP INFO) from the journal's `dtmf` lists. A call's first digit is
 * the press with the smallest `atMs` (ms after the answer), the earlier in the list on a tie.
 */
export interface DtmfStats {
  /** Calls with at least one key press. */
  calls: number;
  /** Key presses in all. */
  presses: number;
  /** One entry per digit pressed at all, in digit order (`0`–`9`, then `*`, `#`, `A`–`D`). */
  digits: DtmfDigitStats[];
}

export interface DtmfDigitStats {
  digit: string;
  /** Times it was pressed. */
  presses: number;
  /** Calls in which it was pressed at least once. */
  calls: number;
  /** Calls in which it was the first digit pressed. */
  firstPressed: number;
}

/**
 * Attempts by the hour of their INVITE, in `timezone`: one bucket per clock hour of that
 * zone, in time order, zeros included. A bucket is an hour of real time: in the autumn's
 * repeated hour the zone has two buckets with the same clock time and different offsets.
 */
export interface HourlyStats {
  /** IANA time zone of the buckets (`UTC` unless asked otherwise). */
  timezone: string;
  buckets: HourBucket[];
}

export interface HourBucket {
  /** Start of the hour, ISO 8601 with the zone's offset at that moment, e.g. `2026-03-29T03:00:00+02:00`. */
  start: string;
  attempts: number;
  answered: number;
}

/**
 * A campaign's statistics: the journal's figures over all its attempts (the hourly buckets
 * run from the first attempt's hour to the last one's; none before the first call) and the
 * campaign's contacts.
 */
export interface CampaignStats extends CallStats {
  campaignId: string;
  /**
   * The campaign's contacts (`campaign_contact`) by scheduler state and final outcome, read in
   * the same snapshot as the journal figures.
   */
  contacts: CampaignCounts;
}

/** The owner-wide statistics over an interval of INVITE times. */
export interface IntervalStats extends CallStats {
  /** Start of the interval (inclusive), ISO 8601 UTC. */
  from: string;
  /** End of the interval (exclusive), ISO 8601 UTC. */
  to: string;
  /**
   * Whose calls: an owner's id, or null for every owner's (an administrator without `ownerId`)
   * or a department's members' (`departmentId`).
   */
  ownerId: string | null;
  /**
   * External calls (sent by other PBXs, `source` set) whose start is in the interval, apart:
   * every other figure counts the calls Voicecast placed only, and none of them is changed by
   * external calls (they have no seizure, detection, contact or key presses of ours).
   */
  external: ExternalCallStats;
  /** The department whose members' calls these are, when asked for with `departmentId`. */
  departmentId?: string;
  /** The dimensions of `groups`, in their order: present when asked for with `groupBy`. */
  groupBy?: StatsDimension[];
  /**
   * The calls of the interval (Voicecast's own, as every figure above) grouped by `groupBy`:
   * one entry per group with at least one call, sorted by the dimensions in their order.
   * Present when asked for with `groupBy`.
   */
  groups?: StatsGroup[];
}

/** The external calls of an interval, counted apart from Voicecast's own. */
export interface ExternalCallStats {
  /** External calls whose `startAt` is in `[from, to)`. */
  calls: number;
  /**
   * Those calls by the disposition the PBX sent: every known outcome present (0 when none),
   * as in `outcomes`. The values sum to `calls`.
   */
  outcomes: Record<string, number>;
}

/** What the calls can be grouped by (`groupBy`). */
export type StatsDimension = 'department' | 'user' | 'campaign' | 'trunk' | 'outcome' | 'hour' | 'day';

/** An object a group is about: its id, and its name now (null when it has since been deleted). */
export interface StatsGroupRef {
  id: string;
  name: string | null;
}

/**
 * A group's key: one member per dimension of `groupBy`, the others absent. Names are read
 * when the statistics are, ids are what groups.
 */
export interface StatsGroupKey {
  /** The department the call's owner belongs to now; null: none. */
  department?: StatsGroupRef | null;
  /** The call's owner; `name` is the username. */
  user?: StatsGroupRef;
  /** null: calls placed outside any campaign. */
  campaign?: StatsGroupRef | null;
  /** The trunk that carried the call (the last one tried); null: none was reached. */
  trunk?: StatsGroupRef | null;
  outcome?: string;
  /** Start of the clock hour in `timezone`, with its offset, e.g. `2026-03-29T03:00:00+02:00`. */
  hour?: string;
  /** The calendar day in `timezone`, `YYYY-MM-DD`. */
  day?: string;
}

/**
 * A group's figures, defined as the totals' (see CallStats) over the group's calls. Left out:
 * attempts per contact (a contact's attempts may fall into several groups), the digits
 * pressed and the hourly series (group by `hour` instead).
 */
export interface StatsGroup {
  key: StatsGroupKey;
  attempts: number;
  /** As `outcomes` of the totals: every known outcome (zeros included) plus any other found. */
  outcomes: Record<string, number>;
  seizures: number;
  answered: number;
  answerSeizureRatio: number;
  answeredBy: AnsweredByStats;
  abandoned: AbandonedStats;
  talkTime: TalkTimeStats;
  /** Calls with at least one key press, and the presses in all. */
  dtmf: StatsGroupDtmf;
}

export interface StatsGroupDtmf {
  calls: number;
  presses: number;
}
