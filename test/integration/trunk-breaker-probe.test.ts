/**
 * Trunks held down by their circuit breaker are probed back with OPTIONS (issue 20,
 * activities/trunk-prober.ts): a worker of the test's own probes every 0.3 s
 * (TRUNK_PROBE_INTERVAL_SECONDS). A trunk whose sipp answers 200 is up again long before its
 * hold is over; one answering 503, or on a port where nothing listens, stays down. Each shows
 * its last probe in `GET /trunks/{id}`, and the worker's /metrics counts the probes.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { receivedRequests } from '../../scripts/services/sipp';
import { call, createUser, login } from '../support/api';
import { gatewayTrunk } from '../support/campaign-e2e';
import { startExtraWorker, type ExtraWorker } from '../support/extra-worker';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { freePorts, readStack } from '../support/stack';

jest.setTimeout(90_000);

const gateway = sippGateways({ transport: 'udp' });
const LIMITS = { maxConcurrentCalls: 5, maxCallsPerSecond: 20 };
const METRICS_TOKEN = `probe-${randomUUID()}`;
let db: Pool;
let token: string;
let worker: ExtraWorker;
let metricsPort: number;

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  const user = await createUser();
  token = (await login(user.username, user.password)).access_token;
  [metricsPort] = await freePorts(1);
  worker = await startExtraWorker(`probe-${randomUUID()}`, {
    TRUNK_PROBE_INTERVAL_SECONDS: '0.3',
    TRUNK_TEST_TIMEOUT_SECONDS: '1',
    WORKER_METRICS_PORT: String(metricsPort),
    METRICS_TOKEN,
  });
});

afterAll(async () => {
  await worker?.terminate();
  await db?.end();
});

interface Health {
  state: 'up' | 'down';
  consecutiveFailures: number;
  downUntil: string | null;
  lastProbe: { at: string; result: string } | null;
}

async function health(trunkId: string): Promise<Health> {
  const res = await call('GET', `/api/v1/trunks/${trunkId}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { health: Health }).health;
}

/** What the breaker leaves after five 503s: held down for ten minutes. */
async function holdDown(trunkId: string): Promise<void> {
  await db.query(
    `INSERT INTO trunk_health (trunk_id, consecutive_failures, down_until, last_failure_at, last_failure, updated_at)
     VALUES ($1, 5, now() + interval '10 minutes', now(), '503 Service Unavailable', now())`,
    [trunkId],
  );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function probeCounts(): Promise<{ sent: number; up: number }> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await res.text();
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sent: sample('voicecast_trunk_probes_total'), up: sample('voicecast_trunk_probes_up_total') };
}

test('a trunk down that answers its OPTIONS with 200 is up again before its hold is over', async () => {
  const sipp = await gateway({ scenario: 'uas-options', calls: 1 });
  const trunkId = await gatewayTrunk(token, sipp, LIMITS);
  const before = await probeCounts();
  await holdDown(trunkId);
  // Our prober runs every 0.3 s: on a loaded host it may have claimed the trunk (a probe with no
  // result yet) or even brought it up before this read. Still down means no answer yet.
  const held = await health(trunkId);
  if (held.state === 'down') expect(held.lastProbe?.result ?? '').toBe('');

  await until('the trunk up', async () => (await health(trunkId)).state === 'up');
  await expectSippExit(sipp, 0);
  const [options] = receivedRequests(sipp, 'OPTIONS');
  expect(options.startLine).toMatch(/^OPTIONS sip:127\.0\.0\.1:\d+ SIP\/2\.0$/);
  expect(receivedRequests(sipp, 'REGISTER')).toEqual([]);
  expect(await health(trunkId)).toMatchObject({
    state: 'up',
    consecutiveFailures: 0,
    downUntil: null,
    lastProbe: { result: '200 OK' },
  });
  // The stack's own worker may have sent that probe (default interval 10 s), not ours.
  const after = await probeCounts();
  expect(after.up - before.up).toBeLessThanOrEqual(1);
  expect(after.sent).toBeGreaterThanOrEqual(before.sent);
});

test('a trunk answering its OPTIONS with 503 stays down', async () => {
  const sipp = await gateway({ scenario: 'uas-options-503', calls: 1 });
  const trunkId = await gatewayTrunk(token, sipp, LIMITS);
  await holdDown(trunkId);
  await expectSippExit(sipp, 0, 15_000);
  await until('the 503 recorded', async () => (await health(trunkId)).lastProbe?.result === '503 Service Unavailable');
  expect(await health(trunkId)).toMatchObject({ state: 'down', consecutiveFailures: 5 });
});

test('a trunk down where nothing listens stays down, probed again and again', async () => {
  const [deadPort] = await freePorts(1);
  const trunkId = await gatewayTrunk(token, { port: deadPort }, LIMITS);
  await holdDown(trunkId);
  const before = await probeCounts();
  await until('a probe with no answer', async () => (await health(trunkId)).lastProbe !== null);
  const first = await health(trunkId);
  expect(first).toMatchObject({ state: 'down', consecutiveFailures: 5 });
  expect(first.lastProbe?.result).not.toMatch(/^\d{3} /);
  // Probed again an interval (and a 1 s timeout) later; still down, its hold unchanged.
  await until('a second probe', async () => (await health(trunkId)).lastProbe?.at !== first.lastProbe?.at);
  const second = await health(trunkId);
  expect(second).toMatchObject({ state: 'down', downUntil: first.downUntil });
  const after = await probeCounts();
  expect(after.sent).toBeGreaterThan(before.sent);
  expect(after.up).toBe(before.up);
});
