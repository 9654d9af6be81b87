/**
 * The frequency cap's reservation against the real database, many takers at once: however
 * many workers race for one number, no more than the cap get through, and the rest are told
 * when the window frees a slot. (End to end through campaigns: policy-enforcement.test.ts.)
 * The `uk` compliance profile's hold is checked in the same place: a number with an
 * abandoned call of the owner in the journal less than 72 h ago is not reserved.
 */
import { Pool } from 'pg';
import { cancelReservation, reserveDial, type DialChecks, type DialReservation } from '../../activities/dial-ledger';
import { createUser, login } from '../support/api';
import { gatewayTrunk } from '../support/campaign-e2e';
import { readStack } from '../support/stack';
import { randomUUID } from 'node:crypto';

let pool: Pool;

beforeAll(() => {
  pool = new Pool({ connectionString: readStack().databaseUrl, max: 12 });
});

afterAll(async () => {
  await pool?.end();
});

async function ownerWithTrunk() {
  const user = await createUser();
  const { access_token } = await login(user.username, user.password);
  const trunkId = await gatewayTrunk(access_token, { port: 9 }, { maxConcurrentCalls: 50, maxCallsPerSecond: 1000 });
  return { ownerId: user.id, pacing: { trunkId, maxConcurrentCalls: 50, callsPerSecond: 1000 } };
}

const race = (
  ownerId: string,
  pacing: { trunkId: string; maxConcurrentCalls: number; callsPerSecond: number },
  phone: string,
  maxCalls: number,
  takers: number,
): Promise<DialReservation[]> =>
  Promise.all(
    Array.from({ length: takers }, (_, i) =>
      reserveDial(
        pool,
        { ownerId, phone, attemptId: `race:${i}` },
        { cap: { maxCalls, windowSeconds: 60 }, abandonedHold: false },
        pacing,
      ),
    ),
  );

test.each([1, 3])(
  '12 takers race for one number capped at %i per window: exactly that many get through',
  async (maxCalls) => {
    const { ownerId, pacing } = await ownerWithTrunk();
    const results = await race(ownerId, pacing, '+4930777000', maxCalls, 12);
    const reserved = results.filter((r) => r.kind === 'reserved');
    const capped = results.filter((r) => r.kind === 'capped');
    expect([reserved.length, capped.length]).toEqual([maxCalls, 12 - maxCalls]);
    // Every capped taker is told the same instant: when the earliest reserved dial leaves the window.
    const first = Math.min(...reserved.map((r) => r.at.getTime()));
    expect(new Set(capped.map((r) => r.until.getTime()))).toEqual(new Set([first + 60_000]));
    const { rows } = await pool.query('SELECT 1 FROM dial_ledger WHERE owner_id = $1', [ownerId]);
    expect(rows).toHaveLength(maxCalls);
  },
);

test('the cap is per owner and number; a cancelled reservation frees its slot in the window', async () => {
  const a = await ownerWithTrunk();
  const b = await ownerWithTrunk();
  const [one] = await race(a.ownerId, a.pacing, '+4930777001', 1, 1);
  expect(one.kind).toBe('reserved');
  // Another number of the same owner, the same number of another owner: not capped.
  expect((await race(a.ownerId, a.pacing, '+4930777002', 1, 1))[0].kind).toBe('reserved');
  expect((await race(b.ownerId, b.pacing, '+4930777001', 1, 1))[0].kind).toBe('reserved');
  expect((await race(a.ownerId, a.pacing, '+4930777001', 1, 1))[0].kind).toBe('capped');
  if (one.kind !== 'reserved') return;
  await cancelReservation(pool, one.id); // no INVITE went out after all
  expect((await race(a.ownerId, a.pacing, '+4930777001', 1, 1))[0].kind).toBe('reserved');
});

test('without a cap every dial is recorded at its start slot, spaced by the trunk pacing', async () => {
  const { ownerId, pacing } = await ownerWithTrunk();
  const slow = { ...pacing, callsPerSecond: 20 };
  const results = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      reserveDial(
        pool,
        { ownerId, phone: '+4930777003', attemptId: `p:${i}` },
        { cap: null, abandonedHold: false },
        slow,
      ),
    ),
  );
  expect(results.every((r) => r.kind === 'reserved')).toBe(true);
  const { rows } = await pool.query<{ dialled_at: Date }>(
    'SELECT dialled_at FROM dial_ledger WHERE owner_id = $1 ORDER BY dialled_at',
    [ownerId],
  );
  const times = rows.map((r) => r.dialled_at.getTime());
  expect(times).toHaveLength(5);
  // One slot every 50 ms (the ledger keeps milliseconds).
  for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(49);
});

/** A journal row of `ownerId` to `phone` that ended `hoursAgo` ago: abandoned, or (`abandoned: false`) played. */
async function journalled(ownerId: string, phone: string, hoursAgo: number, abandoned = true): Promise<Date> {
  const { rows } = await pool.query<{ end_at: Date }>(
    `INSERT INTO call_record (id, owner_id, attempt_id, attempt, phone_e164, invite_at, answer_at, end_at, outcome,
       end_reason, dtmf, machine_detection, created_at)
     VALUES (gen_random_uuid(), $1, $2, 1, $3, now() - make_interval(secs => $4 + 5), now() - make_interval(secs => $4 + 3),
       now() - make_interval(secs => $4), 'answered', 'seeded', '[]', $5, now())
     RETURNING end_at`,
    [
      ownerId,
      `seed:${randomUUID()}`,
      phone,
      Math.round(hoursAgo * 3600),
      JSON.stringify({
        verdict: 'human',
        cause: 'short_greeting',
        decisionMs: 1800,
        treatedAs: 'human',
        action: abandoned ? 'hung_up' : 'message',
      }),
    ],
  );
  return rows[0].end_at;
}

describe('uk profile: no call within 72 h of an abandoned call', () => {
  const uk: DialChecks = { cap: null, abandonedHold: true };
  const reserve = (ownerId: string, pacing: Parameters<typeof reserveDial>[3], phone: string, checks = uk) =>
    reserveDial(pool, { ownerId, phone, attemptId: `uk:${randomUUID()}` }, checks, pacing);

  test('an abandoned call 71 h ago holds the number until 72 h after it; nothing is reserved', async () => {
    const { ownerId, pacing } = await ownerWithTrunk();
    const endedAt = await journalled(ownerId, '+4930777010', 71);
    const held = await reserve(ownerId, pacing, '+4930777010');
    expect(held).toEqual({
      kind: 'capped',
      why: 'abandoned_hold',
      until: new Date(endedAt.getTime() + 72 * 3_600_000),
    });
    const { rows } = await pool.query('SELECT 1 FROM dial_ledger WHERE owner_id = $1', [ownerId]);
    expect(rows).toHaveLength(0);
    // The same number without the uk profile is dialled.
    expect((await reserve(ownerId, pacing, '+4930777010', { cap: null, abandonedHold: false })).kind).toBe('reserved');
  });

  test('not held: an abandoned call 72 h ago or longer, a call that played, another owner’s abandoned call', async () => {
    const { ownerId, pacing } = await ownerWithTrunk();
    const other = await ownerWithTrunk();
    await journalled(ownerId, '+4930777011', 72.01);
    await journalled(ownerId, '+4930777012', 1, false);
    await journalled(other.ownerId, '+4930777013', 1);
    for (const phone of ['+4930777011', '+4930777012', '+4930777013']) {
      expect([phone, (await reserve(ownerId, pacing, phone)).kind]).toEqual([phone, 'reserved']);
    }
    // The other owner's own number is held for them.
    expect((await reserve(other.ownerId, other.pacing, '+4930777013')).kind).toBe('capped');
  });

  test('the hold comes before the frequency cap, and the latest abandoned call counts', async () => {
    const { ownerId, pacing } = await ownerWithTrunk();
    await journalled(ownerId, '+4930777014', 50);
    const last = await journalled(ownerId, '+4930777014', 2);
    const held = await reserve(ownerId, pacing, '+4930777014', {
      cap: { maxCalls: 1, windowSeconds: 60 },
      abandonedHold: true,
    });
    expect(held).toEqual({ kind: 'capped', why: 'abandoned_hold', until: new Date(last.getTime() + 72 * 3_600_000) });
  });
});
