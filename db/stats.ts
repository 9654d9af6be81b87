/**
 * The statistics' set-based SQL over the call journal (`call_record`), read by the API's
 * statistics (api/stats/). Each function reads one group of figures for the rows of a
 * {@link Scope}; the service runs them all in one read-only snapshot
 * ({@link beginStatsSnapshot}) whose session time zone is the buckets' zone. The figures'
 * shapes are those of api/stats/stats.dto.ts (db/ does not import api/).
 */
import { NOT_DIALLED_REASONS } from '../campaign/journal-codes.js';
import { KNOWN_OUTCOMES } from '../campaign/outcomes.js';
import type { PoolClient } from './sql.js';
import { abandonedRate, ABANDONED_CALL_SQL, LIVE_ANSWERED_SQL } from '../campaign/compliance-profile.js';

/**
 * Makes the caller's transaction (just begun) a read-only repeatable-read snapshot whose
 * session time zone is `timezone`. PostgreSQL refuses a zone it does not know with 22023
 * (invalid_parameter_value); what that means is the caller's to say.
 */
export async function beginStatsSnapshot(db: PoolClient, timezone: string): Promise<void> {
  await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  await db.query(`SELECT set_config('TimeZone', $1, true)`, [timezone]);
}

/**
 * Which journal rows: a `where` clause over `call_record`'s columns with its parameters
 * (`$1…`), and what a contact is for the attempts per contact.
 */
export interface Scope {
  readonly where: string;
  readonly params: readonly unknown[];
  readonly contactKey: 'campaign_contact_id' | 'phone_e164';
  /** The hourly series' span: the interval's, or (null) that of the rows themselves. */
  readonly span: { readonly from: Date; readonly to: Date } | null;
}

export function campaignScope(campaignId: string): Scope {
  return { where: 'campaign_id = $1', params: [campaignId], contactKey: 'campaign_contact_id', span: null };
}

/**
 * Whose calls an interval holds: one owner's, the members' of one department (as they are
 * members now: `user.department_id`), or (null) everyone's.
 */
export type Whose = { readonly ownerId: string } | { readonly departmentId: string } | null;

/**
 * INVITE times in `[from, to)`, of {@link Whose} calls. Calls Voicecast placed only: external
 * calls (`source` set, from other PBXs) are in the journal, not in the dialling statistics (no
 * seizures, AMD or contacts to count); `external` selects those instead, for their own count
 * by disposition (`IntervalStats.external`).
 */
export function intervalScope(from: Date, to: Date, whose: Whose, external = false): Scope {
  const params = [from.toISOString(), to.toISOString()];
  const source = external ? 'source IS NOT NULL' : 'source IS NULL';
  const where = `invite_at >= $1 AND invite_at < $2 AND ${source}`;
  const span = { from, to };
  if (whose === null) return { where, params, contactKey: 'phone_e164', span };
  if ('ownerId' in whose) {
    return { where: `${where} AND owner_id = $3`, params: [...params, whose.ownerId], contactKey: 'phone_e164', span };
  }
  return {
    where: `${where} AND owner_id IN (SELECT id FROM "user" WHERE department_id = $3)`,
    params: [...params, whose.departmentId],
    contactKey: 'phone_e164',
    span,
  };
}

/** The placeholder of the `n`th parameter after the scope's own. */
const param = (scope: Scope, n: number): string => `$${scope.params.length + n}`;

export interface OutcomeCount {
  readonly outcome: string;
  readonly attempts: number;
  readonly seizures: number;
}

/**
 * Aggregate over journal rows: the seizures (the engine's outcomes, `$known`, except
 * `cancelled` ones whose `end_reason` is one of `$notDialled`, the placeholders of
 * KNOWN_OUTCOMES and NOT_DIALLED_REASONS). Shared with the slices (db/stats-slices.ts).
 */
export const seizuresSql = (known: string, notDialled: string): string =>
  `count(*) FILTER (WHERE outcome = ANY(${known}::text[])
     AND NOT (outcome = 'cancelled' AND end_reason = ANY(${notDialled}::text[]))) AS seizures`;

export async function outcomeCounts(db: PoolClient, scope: Scope): Promise<OutcomeCount[]> {
  const { rows } = await db.query<{ outcome: string; attempts: string; seizures: string }>(
    `SELECT outcome, count(*) AS attempts, ${seizuresSql(param(scope, 1), param(scope, 2))}
     FROM call_record WHERE ${scope.where} GROUP BY outcome`,
    [...scope.params, KNOWN_OUTCOMES, NOT_DIALLED_REASONS],
  );
  return rows.map((r) => ({ outcome: r.outcome, attempts: Number(r.attempts), seizures: Number(r.seizures) }));
}

/** Answered calls by how answering-machine detection had them treated (see AnsweredByStats). */
export interface AnsweredByCounts {
  readonly humans: number;
  readonly machines: number;
  readonly unknown: number;
  readonly notDetected: number;
}

/** Abandoned calls over the calls a person answered (campaign/compliance-profile.ts defines both). */
export interface AbandonedFigures {
  readonly calls: number;
  readonly liveAnswered: number;
  readonly rate: number;
}

/**
 * Aggregates over journal rows: the answered calls by detection and the abandoned ones, each
 * filtered to `outcome = 'answered'` itself so that it counts the same over any rows (the
 * totals read only answered rows; a slice's group all of its rows). Read with {@link answeredFiguresOf}.
 */
export const ANSWERED_FIGURES_SQL = `count(*) FILTER (WHERE outcome = 'answered' AND machine_detection->>'treatedAs' = 'human') AS humans,
  count(*) FILTER (WHERE outcome = 'answered' AND machine_detection->>'treatedAs' = 'machine') AS machines,
  count(*) FILTER (WHERE outcome = 'answered' AND machine_detection->>'verdict' = 'unknown') AS unknown,
  count(*) FILTER (WHERE outcome = 'answered' AND machine_detection IS NULL) AS not_detected,
  count(*) FILTER (WHERE ${ABANDONED_CALL_SQL}) AS abandoned,
  count(*) FILTER (WHERE ${LIVE_ANSWERED_SQL}) AS live`;

export type AnsweredFiguresRow = Partial<
  Record<'humans' | 'machines' | 'unknown' | 'not_detected' | 'abandoned' | 'live', string | number>
>;

export function answeredFiguresOf(row: AnsweredFiguresRow | undefined): {
  answeredBy: AnsweredByCounts;
  abandoned: AbandonedFigures;
} {
  const calls = Number(row?.abandoned ?? 0);
  const liveAnswered = Number(row?.live ?? 0);
  return {
    answeredBy: {
      humans: Number(row?.humans ?? 0),
      machines: Number(row?.machines ?? 0),
      unknown: Number(row?.unknown ?? 0),
      notDetected: Number(row?.not_detected ?? 0),
    },
    abandoned: { calls, liveAnswered, rate: abandonedRate(calls, liveAnswered) },
  };
}

/** The answered calls by detection and the abandoned ones, in one pass over the answered calls. */
export async function answeredFigures(
  db: PoolClient,
  scope: Scope,
): Promise<{ answeredBy: AnsweredByCounts; abandoned: AbandonedFigures }> {
  const { rows } = await db.query<AnsweredFiguresRow>(
    `SELECT ${ANSWERED_FIGURES_SQL} FROM call_record WHERE ${scope.where} AND outcome = 'answered'`,
    [...scope.params],
  );
  return answeredFiguresOf(rows[0]);
}

export interface TalkTimeFigures {
  readonly calls: number;
  readonly totalMs: number;
  readonly averageMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
}

/** Aggregates over journal rows: talk time of the answered calls that ended. Read with {@link talkTimeOf}. */
export const TALK_TIME_SQL = `count(talk_ms) FILTER (WHERE outcome = 'answered') AS talk_calls,
  coalesce(sum(talk_ms) FILTER (WHERE outcome = 'answered'), 0) AS talk_total,
  coalesce(avg(talk_ms) FILTER (WHERE outcome = 'answered'), 0) AS talk_average,
  coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY talk_ms) FILTER (WHERE outcome = 'answered'), 0) AS talk_median,
  coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY talk_ms) FILTER (WHERE outcome = 'answered'), 0) AS talk_p90`;

export type TalkTimeRow = Partial<
  Record<'talk_calls' | 'talk_total' | 'talk_average' | 'talk_median' | 'talk_p90', string | number>
>;

export function talkTimeOf(row: TalkTimeRow | undefined): TalkTimeFigures {
  return {
    calls: Number(row?.talk_calls ?? 0),
    totalMs: Number(row?.talk_total ?? 0),
    averageMs: Number(row?.talk_average ?? 0),
    medianMs: Number(row?.talk_median ?? 0),
    p90Ms: Number(row?.talk_p90 ?? 0),
  };
}

export async function talkTime(db: PoolClient, scope: Scope): Promise<TalkTimeFigures> {
  const { rows } = await db.query<TalkTimeRow>(
    `SELECT ${TALK_TIME_SQL} FROM call_record WHERE ${scope.where} AND outcome = 'answered' AND talk_ms IS NOT NULL`,
    [...scope.params],
  );
  return talkTimeOf(rows[0]);
}

/** Contacts per number of attempts, only the numbers that occur. */
export async function attemptsPerContact(db: PoolClient, scope: Scope): Promise<Map<number, number>> {
  const { rows } = await db.query<{ attempts: string; contacts: string }>(
    `SELECT attempts, count(*) AS contacts FROM (
       SELECT count(*) AS attempts FROM call_record WHERE ${scope.where} GROUP BY ${scope.contactKey}
     ) per_contact GROUP BY attempts`,
    [...scope.params],
  );
  return new Map(rows.map((r) => [Number(r.attempts), Number(r.contacts)]));
}

export interface DigitCount {
  readonly digit: string;
  readonly presses: number;
  readonly calls: number;
  readonly firstPressed: number;
}

/** Per digit pressed, and (digit null) the calls with any key press and all presses. */
export async function dtmfCounts(db: PoolClient, scope: Scope): Promise<{ digits: DigitCount[]; total: DigitCount }> {
  const { rows } = await db.query<{
    digit: string | null;
    total: boolean;
    presses: string;
    calls: string;
    first: string;
  }>(
    `WITH presses AS (
       SELECT r.id, d.value->>'digit' AS digit,
         row_number() OVER (PARTITION BY r.id ORDER BY (d.value->>'atMs')::double precision, d.ord) AS rank
       FROM call_record r
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.dtmf) = 'array' THEN r.dtmf ELSE '[]' END)
         WITH ORDINALITY AS d(value, ord)
       WHERE ${scope.where}
     )
     SELECT digit, grouping(digit) = 1 AS total, count(*) AS presses, count(DISTINCT id) AS calls,
       count(*) FILTER (WHERE rank = 1) AS first
     FROM presses GROUP BY GROUPING SETS ((digit), ())`,
    [...scope.params],
  );
  const toCount = (r: (typeof rows)[number]): DigitCount => ({
    digit: r.digit ?? '',
    presses: Number(r.presses),
    calls: Number(r.calls),
    firstPressed: Number(r.first),
  });
  const total = rows.find((r) => r.total);
  return {
    digits: rows.filter((r) => !r.total).map(toCount),
    total: total ? toCount(total) : { digit: '', presses: 0, calls: 0, firstPressed: 0 },
  };
}

/**
 * Attempts and answers per clock hour of the session's time zone, every hour of the span
 * included. The hours are PostgreSQL's `date_trunc('hour', …)` of instants sampled every 15
 * minutes over the span, the same truncation the calls are grouped by, so the series holds
 * exactly the hours calls can fall into whatever the zone's offsets (India's +05:30, Nepal's
 * +05:45; in Lord Howe Island's half-hour summer-time jump the hour after it is labelled
 * 01:30+10:30, as PostgreSQL truncates into the gap). The full join keeps every counted
 * attempt even so.
 */
export async function hourlyCounts(
  db: PoolClient,
  scope: Scope,
): Promise<{ start: string; attempts: number; answered: number }[]> {
  const span = scope.span
    ? `SELECT ${param(scope, 1)}::timestamptz AS lo, ${param(scope, 2)}::timestamptz AS hi`
    : `SELECT min(invite_at) AS lo, max(invite_at) + interval '1 microsecond' AS hi
       FROM call_record WHERE ${scope.where}`;
  const { rows } = await db.query<{ start: string; attempts: string; answered: string }>(
    `WITH span AS (${span}),
     hours AS (
       SELECT date_trunc('hour', t) AS hour
       FROM span, generate_series(lo, hi - interval '1 microsecond', interval '15 minutes') AS t
       UNION SELECT date_trunc('hour', hi - interval '1 microsecond') FROM span WHERE hi > lo
     ),
     counted AS (
       SELECT date_trunc('hour', invite_at) AS hour, count(*) AS attempts,
         count(*) FILTER (WHERE outcome = 'answered') AS answered
       FROM call_record WHERE ${scope.where} GROUP BY 1
     )
     SELECT to_char(hour, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') AS start,
       coalesce(attempts, 0) AS attempts, coalesce(answered, 0) AS answered
     FROM hours FULL JOIN counted USING (hour) ORDER BY hour`,
    scope.span ? [...scope.params, scope.span.from.toISOString(), scope.span.to.toISOString()] : [...scope.params],
  );
  return rows.map((r) => ({ start: r.start, attempts: Number(r.attempts), answered: Number(r.answered) }));
}
