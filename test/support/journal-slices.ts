/**
 * The statistics by slice (`groupBy`) computed independently in TypeScript from journal rows
 * (as read back through the call journal API), to compare with what the API computes in
 * SQL: each group's figures are test/support/journal-stats.ts's over the group's rows, the
 * order the documented one (names byte-wise then ids, "none" last; time in order).
 */
import { call } from './api';
import { json } from './campaigns';
import { dayLabel, expectedStats, hourLabel, hourStart, type JournalRow } from './journal-stats';

export type Dimension = 'department' | 'user' | 'campaign' | 'trunk' | 'outcome' | 'hour' | 'day';

export interface SliceRow extends JournalRow {
  readonly trunkId: string | null;
}

/** Names as the test made them: the owner's department now, usernames, campaign and trunk names. */
export interface SliceNames {
  readonly department: (userId: string) => { id: string; name: string } | null;
  readonly user: (userId: string) => string;
  readonly campaign: (id: string) => string;
  readonly trunk: (id: string) => string;
}

type Ref = { id: string; name: string | null } | null;
type SortPart = string | number;

const refSort = (ref: Ref): SortPart[] => (ref ? [0, ref.name ?? '', ref.id] : [1, '', '']);

function keyPart(row: SliceRow, dimension: Dimension, timezone: string, names: SliceNames) {
  const at = row.inviteAt.getTime();
  const ref = (id: string | null, name: (id: string) => string): Ref => (id === null ? null : { id, name: name(id) });
  switch (dimension) {
    case 'department': {
      const department = names.department(row.ownerId);
      return { value: department, sort: refSort(department) };
    }
    case 'user':
      return {
        value: { id: row.ownerId, name: names.user(row.ownerId) },
        sort: [names.user(row.ownerId), row.ownerId],
      };
    case 'campaign': {
      const campaign = ref(row.campaignId, names.campaign);
      return { value: campaign, sort: refSort(campaign) };
    }
    case 'trunk': {
      const trunk = ref(row.trunkId, names.trunk);
      return { value: trunk, sort: refSort(trunk) };
    }
    case 'outcome':
      return { value: row.outcome, sort: [row.outcome] };
    case 'hour':
      return { value: hourLabel(at, timezone), sort: [hourStart(at, timezone)] };
    case 'day':
      return { value: dayLabel(at, timezone), sort: [dayLabel(at, timezone)] };
  }
}

const compare = (a: readonly SortPart[], b: readonly SortPart[]): number => {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
};

/** A group's figures: the totals' definitions over its rows (no per-contact, digit or hourly figures). */
export function groupFigures(rows: readonly SliceRow[], timezone: string) {
  const { attempts, outcomes, seizures, answered, answerSeizureRatio, answeredBy, abandoned, talkTime, dtmf } =
    expectedStats(rows, { contactKey: 'phone', timezone });
  return {
    attempts,
    outcomes,
    seizures,
    answered,
    answerSeizureRatio,
    answeredBy,
    abandoned,
    talkTime,
    dtmf: { calls: dtmf.calls, presses: dtmf.presses },
  };
}

/** What `groups` must be for `rows` grouped by `dimensions`. */
export function expectedGroups(
  rows: readonly SliceRow[],
  dimensions: readonly Dimension[],
  timezone: string,
  names: SliceNames,
) {
  const groups = new Map<string, { key: Record<string, unknown>; sort: SortPart[]; rows: SliceRow[] }>();
  for (const row of rows) {
    const parts = dimensions.map((d) => [d, keyPart(row, d, timezone, names)] as const);
    const key = Object.fromEntries(parts.map(([d, p]) => [d, p.value]));
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, sort: parts.flatMap(([, p]) => p.sort), rows: [] };
    group.rows.push(row);
    groups.set(id, group);
  }
  return [...groups.values()]
    .sort((a, b) => compare(a.sort, b.sort))
    .map((g) => ({ key: g.key, ...groupFigures(g.rows, timezone) }));
}

/** Voicecast's own calls (external ones left out, as in the statistics) that `GET /api/v1/calls?…params` pages through. */
export async function callJournal(token: string, params: Record<string, string>): Promise<SliceRow[]> {
  const rows: SliceRow[] = [];
  let after: string | undefined;
  do {
    const query = new URLSearchParams({ ...params, limit: '500', ...(after ? { after } : {}) }).toString();
    const page = await json<{ items: Record<string, unknown>[]; nextCursor: string | null }>(
      await call('GET', `/api/v1/calls?${query}`, { token }),
      200,
    );
    for (const v of page.items.filter((item) => item.source === null)) {
      rows.push({
        ownerId: v.ownerId as string,
        campaignId: v.campaignId as string | null,
        campaignContactId: v.campaignContactId as number | null,
        trunkId: v.trunkId as string | null,
        phone: v.phone as string,
        inviteAt: new Date(v.inviteAt as string),
        outcome: v.outcome as string,
        endReason: v.endReason as string,
        talkMs: v.talkMs as number | null,
        dtmf: v.dtmf as SliceRow['dtmf'],
        machineDetection: v.machineDetection as SliceRow['machineDetection'],
      });
    }
    after = page.nextCursor ?? undefined;
  } while (after);
  return rows;
}
