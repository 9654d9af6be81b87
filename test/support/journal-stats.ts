/**
 * The statistics API's figures computed independently in TypeScript from journal rows (the
 * rows a test seeded, or read back with SQL), to compare with what the API computes in SQL.
 * Definitions as documented on api/stats/stats.dto.ts; hours via Intl, not PostgreSQL.
 */
import type { Pool } from 'pg';
import { KNOWN_OUTCOMES } from '../../campaign/outcomes';

export interface Press {
  digit: string;
  atMs: number;
  durationMs: number;
  source: string;
}

/** The journal columns the statistics read. */
export interface JournalRow {
  ownerId: string;
  campaignId: string | null;
  campaignContactId: number | null;
  phone: string;
  inviteAt: Date;
  outcome: string;
  endReason: string;
  talkMs: number | null;
  dtmf: Press[];
  /** Answering-machine detection's `{verdict, treatedAs, …}`; null when off. */
  machineDetection: { verdict: string; treatedAs: string; action?: string } | null;
}

/** The telephony engine's outcomes: the statistics list each, and only these can be seizures. */
export const ENGINE_OUTCOMES: readonly string[] = KNOWN_OUTCOMES;
const NOT_DIALLED = ['cancelled before the call was placed', 'aborted before dialling'];

/** The journal rows matching `where` (e.g. `campaign_id = $1`), read back as they are stored. */
export async function journalRows(db: Pool, where: string, params: unknown[]): Promise<JournalRow[]> {
  const { rows } = await db.query<{
    owner_id: string;
    campaign_id: string | null;
    campaign_contact_id: string | null;
    phone_e164: string;
    invite_at: Date;
    outcome: string;
    end_reason: string;
    talk_ms: number | null;
    dtmf: Press[];
    machine_detection: { verdict: string; treatedAs: string; action?: string } | null;
  }>(`SELECT * FROM call_record WHERE ${where}`, params);
  return rows.map((r) => ({
    ownerId: r.owner_id,
    campaignId: r.campaign_id,
    campaignContactId: r.campaign_contact_id === null ? null : Number(r.campaign_contact_id),
    phone: r.phone_e164,
    inviteAt: r.invite_at,
    outcome: r.outcome,
    endReason: r.end_reason,
    talkMs: r.talk_ms,
    dtmf: r.dtmf,
    machineDetection: r.machine_detection,
  }));
}

const countBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

/** Linear interpolation between the closest ranks (as PostgreSQL's percentile_cont). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const below = sorted[Math.floor(at)];
  const above = sorted[Math.ceil(at)];
  return below + (above - below) * (at - Math.floor(at));
}

function localClock(at: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = part('timeZoneName').replace('GMT', '') || '+00:00';
  return {
    label: `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:00:00${offset}`,
    minute: Number(part('minute')),
    second: Number(part('second')),
  };
}

/** The instant the clock hour of `at` in `timeZone` began (whole-second offsets, a clock that ran on since then). */
export function hourStart(at: number, timeZone: string): number {
  const { minute, second } = localClock(at, timeZone);
  return at - (minute * 60 + second) * 1000 - (at % 1000);
}

/** The clock hour `at` falls in, labelled as the API labels it (`2019-10-27T02:00:00+01:00`). */
export function hourLabel(at: number, timeZone: string): string {
  return localClock(hourStart(at, timeZone), timeZone).label;
}

/** The calendar day of `at` in `timeZone`, `YYYY-MM-DD`. */
export function dayLabel(at: number, timeZone: string): string {
  return localClock(at, timeZone).label.slice(0, 10);
}

export interface ExpectedScope {
  /** What a contact is: the campaign's contact, or the number. */
  readonly contactKey: 'campaignContactId' | 'phone';
  readonly timezone: string;
  /** The hourly series' span `[from, to)`; that of the rows without it. */
  readonly span?: { readonly from: Date; readonly to: Date };
}

function hourly(rows: readonly JournalRow[], scope: ExpectedScope) {
  const times = rows.map((r) => r.inviteAt.getTime());
  const span = scope.span
    ? { from: scope.span.from.getTime(), to: scope.span.to.getTime() }
    : times.length > 0
      ? { from: Math.min(...times), to: Math.max(...times) + 1 }
      : undefined;
  const buckets = new Map<number, { start: string; attempts: number; answered: number }>();
  for (let h = span ? hourStart(span.from, scope.timezone) : Infinity; span && h < span.to;) {
    buckets.set(h, { start: localClock(h, scope.timezone).label, attempts: 0, answered: 0 });
    h = hourStart(h + 3_600_000, scope.timezone);
  }
  for (const row of rows) {
    const bucket = buckets.get(hourStart(row.inviteAt.getTime(), scope.timezone));
    if (!bucket) throw new Error(`no bucket for ${row.inviteAt.toISOString()}`);
    bucket.attempts += 1;
    if (row.outcome === 'answered') bucket.answered += 1;
  }
  return { timezone: scope.timezone, buckets: [...buckets.values()] };
}

function dtmf(rows: readonly JournalRow[]) {
  const pressed = rows.filter((r) => r.dtmf.length > 0);
  const digits = new Map<string, { digit: string; presses: number; calls: number; firstPressed: number }>();
  const entry = (digit: string) =>
    digits.get(digit) ?? digits.set(digit, { digit, presses: 0, calls: 0, firstPressed: 0 }).get(digit)!;
  for (const row of pressed) {
    for (const press of row.dtmf) entry(press.digit).presses += 1;
    for (const digit of new Set(row.dtmf.map((p) => p.digit))) entry(digit).calls += 1;
    // Smallest atMs; Array.prototype.sort is stable, so the earlier in the list on a tie.
    entry([...row.dtmf].sort((a, b) => a.atMs - b.atMs)[0].digit).firstPressed += 1;
  }
  return {
    calls: pressed.length,
    presses: pressed.reduce((n, r) => n + r.dtmf.length, 0),
    digits: [...digits.values()],
  };
}

/** What the statistics of `rows` (already limited to the scope) must say. */
export function expectedStats(rows: readonly JournalRow[], scope: ExpectedScope) {
  const outcomes = Object.fromEntries(ENGINE_OUTCOMES.map((o) => [o, 0]));
  for (const [outcome, n] of countBy(rows, (r) => r.outcome)) outcomes[outcome] = n;
  const seizures = rows.filter(
    (r) => ENGINE_OUTCOMES.includes(r.outcome) && !(r.outcome === 'cancelled' && NOT_DIALLED.includes(r.endReason)),
  ).length;
  const answered = rows.filter((r) => r.outcome === 'answered').length;
  const talk = rows.filter((r) => r.outcome === 'answered' && r.talkMs !== null).map((r) => r.talkMs!);
  const perContact = countBy(rows, (r) => String(r[scope.contactKey]));
  const most = Math.max(0, ...perContact.values());
  const distribution = Array.from({ length: most }, (_, i) => ({
    attempts: i + 1,
    contacts: [...perContact.values()].filter((n) => n === i + 1).length,
  }));
  const total = talk.reduce((a, b) => a + b, 0);
  return {
    attempts: rows.length,
    outcomes,
    seizures,
    answered,
    answerSeizureRatio: seizures === 0 ? 0 : answered / seizures,
    answeredBy: answeredBy(rows.filter((r) => r.outcome === 'answered')),
    abandoned: abandoned(rows.filter((r) => r.outcome === 'answered')),
    talkTime: {
      calls: talk.length,
      totalMs: total,
      averageMs: talk.length === 0 ? 0 : total / talk.length,
      medianMs: percentile(talk, 0.5),
      p90Ms: percentile(talk, 0.9),
    },
    attemptsPerContact: {
      contacts: perContact.size,
      average: perContact.size === 0 ? 0 : rows.length / perContact.size,
      distribution,
    },
    dtmf: dtmf(rows),
    callsPerHour: hourly(rows, scope),
    // An interval's (a span): its external calls apart; none are seeded by the statistics tests.
    ...(scope.span ? { external: { calls: 0, outcomes: Object.fromEntries(ENGINE_OUTCOMES.map((o) => [o, 0])) } } : {}),
  };
}

function answeredBy(answered: readonly JournalRow[]) {
  return {
    humans: answered.filter((r) => r.machineDetection?.treatedAs === 'human').length,
    machines: answered.filter((r) => r.machineDetection?.treatedAs === 'machine').length,
    unknown: answered.filter((r) => r.machineDetection?.verdict === 'unknown').length,
    notDetected: answered.filter((r) => !r.machineDetection).length,
  };
}

/** Abandoned: a person as treated, hung up on; live answered: not treated as a machine (docs/campaigns.md). */
function abandoned(answered: readonly JournalRow[]) {
  const calls = answered.filter(
    (r) => r.machineDetection?.treatedAs === 'human' && r.machineDetection.action === 'hung_up',
  );
  const live = answered.filter((r) => r.machineDetection?.treatedAs !== 'machine');
  return { calls: calls.length, liveAnswered: live.length, rate: live.length === 0 ? 0 : calls.length / live.length };
}

/**
 * `stats` with every number rounded to 12 significant digits and the digits sorted by name:
 * SQL's numeric division and TypeScript's may differ in the last bit; the digits' order is
 * checked on its own.
 */
export function comparable(stats: object): unknown {
  return JSON.parse(JSON.stringify(stats), (key, value: unknown) => {
    if (typeof value === 'number') return Number(value.toPrecision(12));
    if (key === 'digits' && Array.isArray(value)) {
      return [...(value as { digit: string }[])].sort((a, b) => a.digit.localeCompare(b.digit));
    }
    return value;
  });
}
