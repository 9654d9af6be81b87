/**
 * The frequency cap's reservation against the real database, many takers at once: however
 * many workers race for one number, no more than the cap get through, and the rest are told
 * when the window frees a slot. (End to end through campaigns: policy-enforcement.test.ts.)
 */
import { Pool } from 'pg';
import { cancelReservation, reserveDial, type DialReservation } from '../../activities/dial-ledger';
import { createUser, login } from '../support/api';
import { gatewayTrunk } from '../support/campaign-e2e';
import { readStack } from '../support/stack';

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
      reserveDial(pool, { ownerId, phone, attemptId: `race:${i}` }, { maxCalls, windowSeconds: 60 }, pacing),
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
      reserveDial(pool, { ownerId, phone: '+4930777003', attemptId: `p:${i}` }, null, slow),
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
