/**
 * F13: a worker's call slots are shared fairly between tenants. One tenant filling a worker
 * with calls that ring for their whole ring timeout does not hold up another tenant's first
 * call, and no contact is dialled twice for it: an attempt refused a slot goes back to its
 * contact without using it up. A worker of the test's own (WORKER_MAX_CALLS=10, fair share on
 * by default) against a sipp gateway that rings forever; sipp's exit status proves the number
 * of calls, its log one INVITE per number.
 */
import { Pool } from 'pg';
import { receivedRequests } from '../../scripts/services/sipp';
import { createUser, login } from '../support/api';
import { gatewayTrunk, journalOf, peakConcurrency, phoneList, resultsOf, toneMessage } from '../support/campaign-e2e';
import {
  closeTemporalClient,
  insertCampaign,
  startCampaign,
  waitFor,
  type TestCampaign,
} from '../support/campaign-runs';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(300_000);

const gateway = sippGateways({ transport: 'udp' });
const WORKER_MAX_CALLS = 10;
const RING_TIMEOUT_SECONDS = 10;
let db: Pool;
let worker: ExtraWorker | undefined;

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 3 });
});

afterAll(async () => {
  await worker?.app.stop();
  await closeTemporalClient();
  await db?.end();
});

async function tenant() {
  const user = await createUser();
  return { id: user.id, token: (await login(user.username, user.password)).access_token };
}

/** `count` numbers the gateway lets ring, unique to this test run (`tag` 0–9 tells the campaigns apart). */
const ringing = (tag: number, count: number, salt: number): string[] =>
  Array.from({ length: count }, (_, i) => `+4930${salt}${tag}${String(i).padStart(2, '0')}`);

/** When the owner's first dial slot went out (the INVITE follows it at once), if any yet. */
async function firstDial(ownerId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(
    'SELECT min(dialled_at) AS at FROM dial_ledger WHERE owner_id = $1',
    [ownerId],
  );
  return rows[0]?.at ?? undefined;
}

async function dials(ownerId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM dial_ledger WHERE owner_id = $1', [
    ownerId,
  ]);
  return Number(rows[0]?.n ?? 0);
}

test("a tenant filling a worker (3 campaigns × 10 calls ringing) does not hold up another tenant's first call", async () => {
  const salt = 10_000 + Math.floor(Math.random() * 80_000);
  const listsA = [0, 1, 2].map((tag) => ringing(tag, 10, salt));
  const phonesB = ringing(9, 3, salt);
  const phones = [...listsA.flat(), ...phonesB];
  const sipp = await gateway({ scenario: 'uas-ring-forever', calls: phones.length, timeoutMs: 240_000 });
  const [a, b] = [await tenant(), await tenant()];
  const taskQueue = `fairness-${salt}`;
  worker = await startExtraWorker(taskQueue, { WORKER_MAX_CALLS: String(WORKER_MAX_CALLS) });

  const limits = { maxConcurrentCalls: 50, maxCallsPerSecond: 50 };
  const spec = { maxConcurrentCalls: 10, callsPerSecond: 50, maxAttempts: 1, ringTimeoutSeconds: RING_TIMEOUT_SECONDS };
  const partsOf = async (owner: { id: string; token: string }, lists: readonly (readonly string[])[]) => {
    const [trunkId, audioId] = await Promise.all([
      gatewayTrunk(owner.token, sipp, limits),
      toneMessage(owner.token, 1),
    ]);
    const campaigns: TestCampaign[] = [];
    for (const list of lists) {
      const contactListId = await phoneList(owner.token, list);
      campaigns.push(
        await insertCampaign(db, { ...spec, ownerId: owner.id, trunkId, audioId, contactListId, record: false }),
      );
    }
    return campaigns;
  };
  const campaignsA = await partsOf(a, listsA);
  const [campaignB] = await partsOf(b, [phonesB]);

  const runs = [];
  for (const campaign of campaignsA)
    runs.push({ handle: await startCampaign(campaign, taskQueue), campaignId: campaign.id });
  // A holds every slot it may (all but the headroom), its other 21 attempts refused or queued.
  await waitFor('tenant A to fill the worker', async () => (await dials(a.id)) >= WORKER_MAX_CALLS - 1, 30_000);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await firstDial(b.id)).toBeUndefined();

  const startedB = Date.now();
  runs.push({ handle: await startCampaign(campaignB, taskQueue), campaignId: campaignB.id });
  await waitFor('tenant B to dial', async () => (await firstDial(b.id)) !== undefined, RING_TIMEOUT_SECONDS * 1000);
  const delayMs = (await firstDial(b.id))!.getTime() - startedB;
  process.stdout.write(
    `tenant fairness: B's first INVITE ${delayMs} ms after B started (ring timeout ${RING_TIMEOUT_SECONDS * 1000} ms, ` +
      `A's calls ringing: ${await dials(a.id)})\n`,
  );
  // Without fair share B waits for A's first calls to ring out: about the whole ring timeout.
  expect(delayMs).toBeLessThan((RING_TIMEOUT_SECONDS * 1000) / 2);

  const results = await resultsOf(db, runs, sipp, 240_000);
  expect(results.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  await expectSippExit(sipp, 0, 60_000); // exactly one call per contact, each rung out and cancelled

  // Every contact dialled exactly once: one INVITE per number, one journal row, attempt 1.
  const invited = receivedRequests(sipp, 'INVITE').map((m) => /^INVITE sip:([^@]+)@/.exec(m.startLine)?.[1]);
  expect(invited.sort()).toEqual([...phones].sort());
  const rows = await journalOf(
    db,
    runs.map((r) => r.campaignId),
  );
  expect(rows.map((r) => r.phone_e164).sort()).toEqual([...phones].sort());
  expect(rows.every((r) => r.attempt === 1 && r.outcome === 'no_answer')).toBe(true);
  const { rows: contacts } = await db.query<{ attempts: number }>(
    'SELECT attempts FROM campaign_contact WHERE campaign_id = ANY($1)',
    [runs.map((r) => r.campaignId)],
  );
  expect(contacts.map((c) => c.attempts)).toEqual(phones.map(() => 1));
  // The worker never carried more than its slots, and B was not starved after its first call:
  // its last call started before A's last.
  const peak = peakConcurrency(rows);
  expect(peak).toBeLessThanOrEqual(WORKER_MAX_CALLS);
  const lastStart = (ids: readonly string[]) =>
    Math.max(...rows.filter((r) => ids.includes(r.campaign_id)).map((r) => r.invite_at.getTime()));
  expect(lastStart([campaignB.id])).toBeLessThan(lastStart(campaignsA.map((c) => c.id)));
  process.stdout.write(`tenant fairness: ${rows.length} calls, peak ${peak} at once on the worker\n`);
});
