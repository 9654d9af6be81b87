/**
 * The statistics by slice (issue 25): the journal's figures per group of calls, grouped by
 * any of department, user, campaign, trunk, outcome and hour or day, in ONE statement per
 * request (GROUP BY GROUPING SETS: each group's figures and its counts by outcome), with the
 * figures' SQL shared with the totals (db/stats.ts), so a group's figures mean what the
 * totals' do. Runs in the statistics' snapshot: hours and days are the session time zone's.
 */
import { NOT_DIALLED_REASONS } from '../campaign/journal-codes.js';
import { KNOWN_OUTCOMES } from '../campaign/outcomes.js';
import type { Pool, PoolClient } from './sql.js';
import {
  ANSWERED_FIGURES_SQL,
  answeredFiguresOf,
  seizuresSql,
  TALK_TIME_SQL,
  talkTimeOf,
  type AbandonedFigures,
  type AnsweredByCounts,
  type AnsweredFiguresRow,
  type Scope,
  type TalkTimeFigures,
  type TalkTimeRow,
} from './stats.js';

export type SliceDimension = 'department' | 'user' | 'campaign' | 'trunk' | 'outcome' | 'hour' | 'day';

/** A dimension's columns in the `calls` CTE, the joins they need, its sort order. */
interface DimensionSql {
  readonly select: string;
  readonly columns: readonly string[];
  readonly joins: readonly string[];
  readonly order: string;
}

const OWNER_JOIN = 'LEFT JOIN "user" u ON u.id = r.owner_id';

const DIMENSION_SQL: Record<SliceDimension, DimensionSql> = {
  department: {
    select: 'u.department_id AS department_id, d.name AS department_name',
    columns: ['department_id', 'department_name'],
    joins: [OWNER_JOIN, 'LEFT JOIN department d ON d.id = u.department_id'],
    order: 'department_id IS NULL, department_name COLLATE "C", department_id',
  },
  user: {
    select: 'r.owner_id AS user_id, u.username AS user_name',
    columns: ['user_id', 'user_name'],
    joins: [OWNER_JOIN],
    order: 'user_name COLLATE "C", user_id',
  },
  campaign: {
    select: 'r.campaign_id AS campaign_id, c.name AS campaign_name',
    columns: ['campaign_id', 'campaign_name'],
    joins: ['LEFT JOIN campaign c ON c.id = r.campaign_id'],
    order: 'campaign_id IS NULL, campaign_name COLLATE "C", campaign_id',
  },
  trunk: {
    select: 'r.trunk_id AS trunk_id, t.name AS trunk_name',
    columns: ['trunk_id', 'trunk_name'],
    joins: ['LEFT JOIN sip_trunk t ON t.id = r.trunk_id'],
    order: 'trunk_id IS NULL, trunk_name COLLATE "C", trunk_id',
  },
  outcome: {
    select: 'r.outcome AS outcome_key',
    columns: ['outcome_key'],
    joins: [],
    order: 'outcome_key COLLATE "C"',
  },
  hour: { select: `date_trunc('hour', r.invite_at) AS hour_at`, columns: ['hour_at'], joins: [], order: 'hour_at' },
  day: { select: `date_trunc('day', r.invite_at) AS day_at`, columns: ['day_at'], joins: [], order: 'day_at' },
};

/** One group's key columns as read: ids and names, the outcome, the hour or day as text. */
export interface SliceKeyRow {
  readonly department_id?: string | null;
  readonly department_name?: string | null;
  readonly user_id?: string;
  readonly user_name?: string | null;
  readonly campaign_id?: string | null;
  readonly campaign_name?: string | null;
  readonly trunk_id?: string | null;
  readonly trunk_name?: string | null;
  readonly outcome_key?: string;
  readonly hour?: string;
  readonly day?: string;
}

export interface SliceGroupFigures {
  readonly key: SliceKeyRow;
  readonly attempts: number;
  readonly seizures: number;
  /** Attempts by outcome, only the outcomes found (the API adds the known ones' zeros). */
  readonly outcomes: Map<string, { attempts: number; seizures: number }>;
  readonly answeredBy: AnsweredByCounts;
  readonly abandoned: AbandonedFigures;
  readonly talkTime: TalkTimeFigures;
  readonly dtmf: { readonly calls: number; readonly presses: number };
}

type SliceRow = SliceKeyRow &
  AnsweredFiguresRow &
  TalkTimeRow & {
    total_groups: string;
    whole: boolean | null;
    outcome: string | null;
    attempts: string;
    seizures: string;
    dtmf_calls: string;
    dtmf_presses: string;
  };

/** The hour (with the zone's offset, as the totals' hourly buckets) and the local day, as text. */
const keyText = (dimensions: readonly SliceDimension[]): string =>
  [
    dimensions.includes('hour') ? `, to_char(g.hour_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') AS hour` : '',
    dimensions.includes('day') ? `, to_char(g.day_at, 'YYYY-MM-DD') AS day` : '',
  ].join('');

/** The statement: groups (`whole`) and their counts by outcome; one row of nulls with the count when there are more than `$cap`. */
function sliceSql(dimensions: readonly SliceDimension[], scope: Scope): string {
  const dims = dimensions.map((d) => DIMENSION_SQL[d]);
  const joins = [...new Set(dims.flatMap((d) => d.joins))].join('\n       ');
  const columns = dims.flatMap((d) => d.columns).join(', ');
  const p = (n: number) => `$${scope.params.length + n}`;
  return `WITH calls AS (
       SELECT ${dims.map((d) => d.select).join(', ')},
         r.outcome, r.end_reason, r.talk_ms, r.machine_detection, r.dtmf
       FROM (SELECT * FROM call_record WHERE ${scope.where}) r
       ${joins}
     ),
     grouped AS (
       SELECT ${columns}, outcome, grouping(outcome) = 1 AS whole, count(*) AS attempts,
         ${seizuresSql(p(1), p(2))},
         ${ANSWERED_FIGURES_SQL},
         ${TALK_TIME_SQL},
         count(*) FILTER (WHERE jsonb_typeof(dtmf) = 'array' AND jsonb_array_length(dtmf) > 0) AS dtmf_calls,
         coalesce(sum(jsonb_array_length(dtmf)) FILTER (WHERE jsonb_typeof(dtmf) = 'array'), 0) AS dtmf_presses
       FROM calls GROUP BY GROUPING SETS ((${columns}), (${columns}, outcome))
     ),
     size AS (SELECT count(*) FILTER (WHERE whole) AS total_groups FROM grouped)
     SELECT size.total_groups, g.*${keyText(dimensions)}
     FROM size LEFT JOIN grouped g ON size.total_groups <= ${p(3)}
     ORDER BY ${dims.map((d) => d.order).join(', ')}, g.whole DESC, g.outcome COLLATE "C"`;
}

const keyOf = (row: SliceRow, dimensions: readonly SliceDimension[]): SliceKeyRow => {
  const key: Record<string, unknown> = {};
  for (const d of dimensions) {
    const names = d === 'hour' || d === 'day' ? [d] : DIMENSION_SQL[d].columns;
    for (const name of names) key[name] = row[name as keyof SliceRow];
  }
  return key;
};

/**
 * The figures of each group of `scope`'s calls by `dimensions`, sorted by the dimensions in
 * their order (names byte-wise, then ids; no department, campaign or trunk last; time in
 * order); `tooMany` (and no groups) when there are more than `cap` groups.
 */
export async function sliceStats(
  db: PoolClient,
  scope: Scope,
  dimensions: readonly SliceDimension[],
  cap: number,
): Promise<{ groups: SliceGroupFigures[]; tooMany?: number }> {
  const { rows } = await db.query<SliceRow>(sliceSql(dimensions, scope), [
    ...scope.params,
    KNOWN_OUTCOMES,
    NOT_DIALLED_REASONS,
    cap,
  ]);
  const total = Number(rows[0]?.total_groups ?? 0);
  if (total > cap) return { groups: [], tooMany: total };
  const groups: SliceGroupFigures[] = [];
  for (const row of rows) {
    if (row.whole === null) continue; // no calls at all: the size row alone
    if (row.whole) {
      groups.push({
        key: keyOf(row, dimensions),
        attempts: Number(row.attempts),
        seizures: Number(row.seizures),
        outcomes: new Map(),
        ...answeredFiguresOf(row),
        talkTime: talkTimeOf(row),
        dtmf: { calls: Number(row.dtmf_calls), presses: Number(row.dtmf_presses) },
      });
    } else {
      // Sorted after its group's own row (same key columns, `whole` first).
      groups
        .at(-1)
        ?.outcomes.set(row.outcome ?? '', { attempts: Number(row.attempts), seizures: Number(row.seizures) });
    }
  }
  return { groups };
}

/** Whether the department exists (an administrator naming one that does not gets 404). */
export async function departmentExists(db: Pool, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM department WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}
