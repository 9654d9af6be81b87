/**
 * Statistics by slice (`GET /api/v1/stats?groupBy=`, issue 25) against the real API and
 * PostgreSQL. Two departments (made with SQL, test/support/departments.ts, until the
 * departments API is merged), a manager, a user in none; journal rows seeded with SQL (as in
 * stats.test.ts: every outcome, detection verdicts, key presses, calls with and without a
 * campaign or a trunk, Europe/Berlin's spring-forward night). Every group is compared with
 * the figures computed in TypeScript from the journal as the call journal API
 * (`GET /api/v1/calls`) returns it; the scopes keep every caller to the calls they may see.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { adminToken, call, createUser, expectProblem, login } from '../support/api';
import { insertCampaign } from '../support/campaign-runs';
import { campaignParts, json } from '../support/campaigns';
import {
  addManager,
  addMember,
  createDepartment,
  deleteDepartments,
  type TestDepartment,
} from '../support/departments';
import { comparable } from '../support/journal-stats';
import {
  callJournal,
  expectedGroups,
  groupFigures,
  type Dimension,
  type SliceNames,
  type SliceRow,
} from '../support/journal-slices';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

/** 2016-03-27T01:00Z: Berlin's clocks go from 02:00 to 03:00. No other test has calls that day. */
const T0 = Date.parse('2016-03-27T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const FROM = at(-120);
const TO = at(22 * 60);

interface Person {
  id: string;
  username: string;
  token: string;
}
type Group = { key: Record<string, unknown> } & Record<string, unknown>;
type Stats = Record<string, unknown> & { groups?: Group[]; groupBy?: string[]; ownerId: string | null };

let db: Pool;
let x: TestDepartment; // a1, a2; managed by m
let y: TestDepartment; // b1
let a1: Person, a2: Person, b1: Person, c: Person, m: Person;
let admin: string;
const campaignNames = new Map<string, string>();
const trunkNames = new Map<string, string>();
const departmentOf = new Map<string, TestDepartment>();

async function person(): Promise<Person> {
  const user = await createUser();
  return { id: user.id, username: user.username, token: (await login(user.username, user.password)).access_token };
}

/** An owner's campaign (with its trunk) made through the API and SQL, its names recorded. */
async function campaignOf(owner: Person): Promise<{ campaignId: string; trunkId: string }> {
  const parts = await campaignParts(owner.token, 2);
  const campaignId = (await insertCampaign(db, { ownerId: owner.id, ...parts })).id;
  const { rows } = await db.query<{ campaign: string; trunk: string }>(
    'SELECT c.name AS campaign, t.name AS trunk FROM campaign c JOIN sip_trunk t ON t.id = c.trunk_id WHERE c.id = $1',
    [campaignId],
  );
  campaignNames.set(campaignId, rows[0].campaign);
  trunkNames.set(parts.trunkId, rows[0].trunk);
  return { campaignId, trunkId: parts.trunkId };
}

interface Seed {
  owner: Person;
  campaignId?: string | null;
  trunkId?: string | null;
  minutes: number;
  outcome: string;
  endReason?: string;
  talkMs?: number | null;
  dtmf?: string[];
  detection?: { verdict: string; treatedAs: string; action: string };
}

async function seed(rows: readonly Seed[]): Promise<void> {
  for (const [i, r] of rows.entries()) {
    const invite = at(r.minutes);
    const answer = r.outcome === 'answered' ? new Date(invite.getTime() + 1000) : null;
    const dtmf = (r.dtmf ?? []).map((digit, n) => ({ digit, atMs: 100 * n, durationMs: 100, source: 'rfc4733' }));
    await db.query(
      `INSERT INTO call_record (id, owner_id, campaign_id, trunk_id, attempt_id, attempt, phone_e164, invite_at,
         answer_at, end_at, outcome, end_reason, talk_ms, dtmf, machine_detection, created_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())`,
      [
        r.owner.id,
        r.campaignId ?? null,
        r.trunkId ?? null,
        randomUUID(),
        `+4930777${String(i).padStart(4, '0')}`,
        invite,
        answer,
        new Date((answer ?? invite).getTime() + (r.talkMs ?? 0)),
        r.outcome,
        r.endReason ?? r.outcome,
        r.talkMs ?? null,
        JSON.stringify(dtmf),
        r.detection ? JSON.stringify({ ...r.detection, cause: 'long_greeting', decisionMs: 1500 }) : null,
      ],
    );
  }
}

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  admin = await adminToken();
  [a1, a2, b1, c, m] = await Promise.all([person(), person(), person(), person(), person()]);
  // Names a user chose: quotes, markup and a non-ASCII letter are just strings in JSON.
  x = await createDepartment({ name: `Sales "north" <b>${randomUUID().slice(0, 6)}</b>` });
  y = await createDepartment({ name: `Ärzte ${randomUUID().slice(0, 6)}` });
  for (const [dept, p] of [
    [x, a1],
    [x, a2],
    [y, b1],
  ] as const) {
    await addMember(dept.id, p.id);
    departmentOf.set(p.id, dept);
  }
  await addManager(x.id, m.id); // m manages x and is a member of none
  const [ca1, ca2, cb1] = [await campaignOf(a1), await campaignOf(a2), await campaignOf(b1)];
  const human = (action: string) => ({ verdict: 'human', treatedAs: 'human', action });
  const machine = { verdict: 'machine', treatedAs: 'machine', action: 'message' };
  const unknown = { verdict: 'unknown', treatedAs: 'human', action: 'hung_up' };
  await seed([
    { owner: a1, ...ca1, minutes: 10, outcome: 'answered', talkMs: 4000, dtmf: ['1', '2'] },
    { owner: a1, ...ca1, minutes: 50, outcome: 'answered', talkMs: 9000, detection: human('hung_up') },
    { owner: a1, ...ca1, minutes: 70, outcome: 'busy' }, // 02:10 Berlin would not exist: 03:10+02:00
    { owner: a1, ...ca1, minutes: 75, outcome: 'cancelled', endReason: 'aborted before dialling' },
    { owner: a1, ...ca1, minutes: 130, outcome: 'answered', talkMs: 1000, detection: machine },
    { owner: a1, ...ca1, minutes: 600, outcome: 'blocked', endReason: 'on the blocklist', trunkId: null },
    { owner: a1, campaignId: null, trunkId: ca1.trunkId, minutes: 20, outcome: 'no_answer' },
    { owner: a2, ...ca2, minutes: 15, outcome: 'answered', endReason: 'call in progress' },
    { owner: a2, ...ca2, minutes: 61, outcome: 'answered', talkMs: 2500, detection: unknown, dtmf: ['#'] },
    { owner: a2, ...ca2, minutes: 1300, outcome: 'rejected' },
    { owner: b1, ...cb1, minutes: 30, outcome: 'answered', talkMs: 7000, detection: human('message') },
    { owner: b1, ...cb1, minutes: 90, outcome: 'unavailable' },
    { owner: c, minutes: 40, outcome: 'answered', talkMs: 3000, trunkId: null },
    { owner: c, minutes: 45, outcome: 'failed', endReason: 'call activity failed: boom' },
    { owner: m, minutes: 55, outcome: 'answered', talkMs: 5000 },
    { owner: m, minutes: -200, outcome: 'busy' }, // before `from`: in no slice
  ]);
});

afterAll(async () => {
  await deleteDepartments([x.id, y.id]);
  await db.end();
});

const interval = () => ({ from: FROM.toISOString(), to: TO.toISOString() });
const query = (params: Record<string, string>) => new URLSearchParams({ ...interval(), ...params }).toString();
const stats = async (token: string, params: Record<string, string>): Promise<Stats> =>
  json<Stats>(await call('GET', `/api/v1/stats?${query(params)}`, { token }), 200);

/** The interval's journal (Voicecast's own calls) as the call journal API shows it to an administrator. */
const journal = (): Promise<SliceRow[]> => callJournal(admin, interval());

const names: SliceNames = {
  department: (userId) => {
    const dept = departmentOf.get(userId);
    return dept ? { id: dept.id, name: dept.name } : null;
  },
  user: (userId) => [a1, a2, b1, c, m].find((p) => p.id === userId)?.username ?? `unknown ${userId}`,
  campaign: (id) => campaignNames.get(id) ?? `unknown ${id}`,
  trunk: (id) => trunkNames.get(id) ?? `unknown ${id}`,
};
const owners = (...people: Person[]) => {
  const ids = new Set(people.map((p) => p.id));
  return (r: SliceRow) => ids.has(r.ownerId);
};
const mine = (rows: SliceRow[]) => rows.filter(owners(a1, a2, b1, c, m));
const groupsOf = (got: Stats): Group[] => {
  if (!got.groups) throw new Error('no groups in the answer');
  return got.groups;
};

describe('each group equals the journal', () => {
  it.each<[string, string]>([
    ['department', 'UTC'],
    ['department,day', 'Europe/Berlin'],
    ['user,outcome', 'UTC'],
    ['campaign,trunk', 'UTC'],
    ['department,hour', 'Europe/Berlin'],
    ['hour,department', 'Asia/Kolkata'],
    ['trunk,user,day', 'America/New_York'],
  ])('groupBy=%s (%s)', async (groupBy, timezone) => {
    const dims = groupBy.split(',') as Dimension[];
    // An administrator's view of one department at a time and of one owner: only our seeded calls.
    const journalRows = mine(await journal());
    expect(journalRows).toHaveLength(15);
    for (const [params, rows] of [
      [{ departmentId: x.id }, journalRows.filter(owners(a1, a2))],
      [{ departmentId: y.id }, journalRows.filter(owners(b1))],
      [{ ownerId: c.id }, journalRows.filter(owners(c))],
    ] as const) {
      const got = await stats(admin, { ...params, groupBy, timezone });
      expect(got.groupBy).toEqual(dims);
      expect(comparable(groupsOf(got))).toEqual(comparable(expectedGroups(rows, dims, timezone, names)));
      // The groups partition the totals.
      expect((got.groups ?? []).reduce((n, g) => n + (g.attempts as number), 0)).toBe(got.attempts);
    }
  });

  it("the administrator's everyone-view holds our departments' groups as computed from the journal", async () => {
    const everything = await journal();
    const got = await stats(admin, { groupBy: 'department' });
    // Other tests' users (none has calls that day) are in no department of ours.
    const expected = expectedGroups(everything, ['department'], 'UTC', names);
    expect(comparable(groupsOf(got))).toEqual(comparable(expected));
    // By name byte-wise ("S" before "Ä"), the calls of owners in no department last.
    const ids = got.groups?.map((g) => (g.key.department as { id: string } | null)?.id ?? null);
    expect(ids).toEqual([x.id, y.id, null]);
    const keyX = got.groups?.find((g) => (g.key.department as { id: string } | null)?.id === x.id)?.key;
    expect(keyX).toEqual({ department: { id: x.id, name: x.name } });
  });

  it('the figures of a department group by hand: answer ratio, detection, abandoned, talk time', async () => {
    const got = await stats(m.token, { departmentId: x.id, groupBy: 'department' });
    expect(got.groups).toHaveLength(1);
    const [group] = got.groups ?? [];
    // a1: 7 attempts (1 not dialled, 1 blocked), a2: 3; answered 5 of 8 seizures.
    expect(group).toMatchObject({ attempts: 10, seizures: 8, answered: 5, answerSeizureRatio: 5 / 8 });
    expect(group.answeredBy).toEqual({ humans: 2, machines: 1, unknown: 1, notDetected: 2 });
    expect(group.abandoned).toEqual({ calls: 2, liveAnswered: 4, rate: 0.5 });
    expect(group.talkTime).toMatchObject({ calls: 4, totalMs: 16_500, medianMs: 3250 });
    expect(group.dtmf).toEqual({ calls: 2, presses: 3 });
    expect(got).toMatchObject({ departmentId: x.id, ownerId: null, attempts: 10 });
  });
});

describe('scope: nobody sees calls they may not through a slice', () => {
  it('a member grouping by department or user gets their own calls only', async () => {
    const rows = mine(await journal()).filter(owners(a1));
    for (const groupBy of ['department', 'user', 'department,user']) {
      const got = await stats(a1.token, { groupBy });
      expect(got.ownerId).toBe(a1.id);
      expect(comparable(groupsOf(got))).toEqual(
        comparable(expectedGroups(rows, groupBy.split(',') as Dimension[], 'UTC', names)),
      );
      expect(got.groups).toHaveLength(1);
      expect(got.attempts).toBe(rows.length);
    }
  });

  it("a manager sees their department's members (not their own calls there), nothing of another", async () => {
    const rows = mine(await journal());
    const got = await stats(m.token, { departmentId: x.id, groupBy: 'user' });
    expect(got.groups?.map((g) => (g.key.user as { id: string }).id).sort()).toEqual([a1.id, a2.id].sort());
    expect(comparable(groupsOf(got))).toEqual(
      comparable(expectedGroups(rows.filter(owners(a1, a2)), ['user'], 'UTC', names)),
    );
    const own = await stats(m.token, { groupBy: 'department' });
    expect(comparable(groupsOf(own))).toEqual(
      comparable([{ key: { department: null }, ...groupFigures(rows.filter(owners(m)), 'UTC') }]),
    );
  });

  it.each<[string, () => Person, () => string]>([
    ['a member, for their own department', () => a1, () => x.id],
    ['a member of another department', () => b1, () => x.id],
    ['a manager, for a department they do not manage', () => m, () => y.id],
    ['a user in no department', () => c, () => x.id],
  ])('%s: 404', async (_, who, department) => {
    const res = await call('GET', `/api/v1/stats?${query({ departmentId: department(), groupBy: 'user' })}`, {
      token: who().token,
    });
    await expectProblem(res, 404, 'not-found');
  });

  it('an administrator naming a department that does not exist: 404', async () => {
    const res = await call('GET', `/api/v1/stats?${query({ departmentId: randomUUID() })}`, { token: admin });
    await expectProblem(res, 404, 'not-found');
  });
});

describe('bad requests name their field', () => {
  const fieldsOf = async (params: Record<string, string> | string, token = a1.token) => {
    const qs = typeof params === 'string' ? params : query(params);
    const res = await call('GET', `/api/v1/stats?${qs}`, { token });
    const body = await expectProblem(res, 422, 'validation-error');
    return (body.errors as { field: string }[]).map((e) => e.field).sort();
  };

  const hostile = [
    'week',
    '',
    'department,department',
    'department,user,campaign,trunk',
    'hour,day',
    'user;DROP TABLE call_record',
    "outcome') OR 1=1 --",
    'department\u0000',
    '%',
    'x'.repeat(5000),
  ];
  it.each(hostile.map((v) => [v.length > 40 ? `${v.length} characters` : JSON.stringify(v), v]))(
    'groupBy=%s',
    async (_, groupBy) => {
      expect(await fieldsOf({ groupBy })).toEqual(['groupBy']);
    },
  );

  it('groupBy given twice, hour over more than 31 days, departmentId bad or with ownerId', async () => {
    expect(await fieldsOf(`groupBy=user&groupBy=day`)).toEqual(['groupBy']);
    const long = { from: '2016-01-01T00:00:00Z', to: '2016-02-01T00:00:01Z' };
    expect(await fieldsOf(new URLSearchParams({ ...long, groupBy: 'user,hour' }).toString())).toEqual(['groupBy']);
    expect((await stats(a1.token, { ...long, groupBy: 'user,day' })).groups).toEqual([]);
    expect(await fieldsOf({ departmentId: 'x' })).toEqual(['departmentId']);
    expect(await fieldsOf({ departmentId: x.id, ownerId: a1.id }, admin)).toEqual(['departmentId']);
  });

  it('more than 10,000 groups: refused, naming groupBy', async () => {
    const owner = await person();
    // 10,001 distinct outcomes on a day of their own (outcome is journal text, no other test reads it).
    await db.query(
      `INSERT INTO call_record (id, owner_id, attempt_id, attempt, phone_e164, invite_at, end_at, outcome, end_reason,
         dtmf, created_at)
       SELECT gen_random_uuid(), $1, gen_random_uuid(), 1, '+4930888000', $2, $2, 'o' || n, 'test', '[]', now()
       FROM generate_series(1, 10001) AS n`,
      [owner.id, '2015-06-01T12:00:00Z'],
    );
    const day = { from: '2015-06-01T00:00:00Z', to: '2015-06-02T00:00:00Z' };
    const res = await call('GET', `/api/v1/stats?${new URLSearchParams({ ...day, groupBy: 'outcome' }).toString()}`, {
      token: owner.token,
    });
    const body = await expectProblem(res, 422, 'validation-error');
    expect(body.errors).toEqual([{ field: 'groupBy', message: expect.stringContaining('10001 groups') }]);
    const byDay = await stats(owner.token, { ...day, groupBy: 'day' });
    expect(byDay.groups?.map((g) => [g.key, g.attempts])).toEqual([[{ day: '2015-06-01' }, 10_001]]);
  });
});
