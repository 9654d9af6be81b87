/**
 * Workers on several hosts (issue 23): three workers, each in a network namespace of its own
 * with its own address on a bridge (test/support/host-network.ts), against the one Temporal,
 * PostgreSQL and MinIO of the test stack, dial one campaign through a sipp gateway on the
 * bridge. What must hold, as it would across machines:
 * - each worker's SIP and RTP use its own address (Via and SDP `c=` of every INVITE sipp got
 *   name the same worker address), and the calls are spread over the workers;
 * - the trunk's concurrency limit (3) holds across them, though the campaign allows 9;
 * - one host's worker SIGKILLed in the middle loses no contact and dials none twice.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot, startProcess, taskQueuePollerProbe, type ManagedProcess } from '../../scripts/services';
import { headerValues } from '../../scripts/services/sipp';
import { login, createUser, call } from '../support/api';
import { json } from '../support/campaigns';
import { campaignTestContext } from '../support/campaigns';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { sharedWorkflowBundle } from '../support/extra-worker';
import { phoneList } from '../support/gateway-campaigns';
import { createHostNetwork, type HostNetwork, type PretendHost } from '../support/host-network';
import { uploadAudio } from '../support/audio';
import { sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';
import { buildWav, encodeSamples, sine } from '../support/wav-builder';
import type { CampaignWorkflow } from '../../workflows/definitions';

jest.setTimeout(360_000);

const ctx = campaignTestContext();
const gateway = sippGateways({ transport: 'udp', ringMs: 100 });
const taskQueue = `hosts-${randomUUID()}`;
let network: HostNetwork;
let api: ExtraApi;
const workers: ManagedProcess[] = [];

const portOf = (url: string): number => Number(/:(\d+)(?:\/|$)/.exec(url)![1]);

async function startWorkerOn(host: PretendHost, gatewayAddress: string): Promise<ManagedProcess> {
  const stack = readStack();
  const here = (value: string | undefined) => (value ?? '').replace('127.0.0.1', gatewayAddress);
  const worker = await startProcess({
    name: `worker on ${host.address}`,
    command: 'ip',
    // `ip netns exec` execs the command: the PID is the worker's, and SIGKILL reaches it.
    args: ['netns', 'exec', host.namespace, process.execPath, join(repoRoot(), 'dist', 'worker.js')],
    env: {
      ...stack.env,
      DATABASE_URL: here(stack.env.DATABASE_URL),
      TEMPORAL_ADDRESS: here(stack.env.TEMPORAL_ADDRESS),
      MINIO_ENDPOINT: here(stack.env.MINIO_ENDPOINT),
      TEMPORAL_TASK_QUEUE: taskQueue,
      SIP_BIND_ADDRESS: host.address,
      TRUNK_ALLOWED_NETWORKS: `127.0.0.0/8,${network.cidr}`,
      WORKER_METRICS_PORT: 'off',
      // The workflows bundled once for the run, as every extra worker loads them.
      WORKFLOW_BUNDLE_PATH: await sharedWorkflowBundle(stack.tempDir),
    },
    cwd: stack.tempDir,
    log: { file: join(stack.logsDir, `worker-${host.namespace}.log`) },
    stopGraceMs: 15_000,
  });
  workers.push(worker);
  await worker.waitUntilReady(
    taskQueuePollerProbe(stack.temporal.httpUrl, stack.temporal.namespace, taskQueue, worker.pid),
    { timeoutMs: 120_000, what: 'polling its task queue' },
  );
  return worker;
}

beforeAll(async () => {
  const stack = readStack();
  network = createHostNetwork(3);
  await network.forward([
    portOf(stack.databaseUrl),
    portOf(stack.temporal.address),
    portOf(stack.env.MINIO_ENDPOINT ?? ''),
  ]);
  api = await startExtraApi({
    TEMPORAL_TASK_QUEUE: taskQueue,
    TRUNK_ALLOWED_NETWORKS: `127.0.0.0/8,${network.cidr}`,
  });
  // One at a time: three starting at once on a loaded 2-core machine took one past its
  // readiness wait in a clean-clone run (each bundled the workflow code then; now they load one).
  for (const host of network.hosts) await startWorkerOn(host, network.gateway);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await api?.stop();
  await network?.remove();
});

/** The greatest number of calls up at once, from the journal's invite-to-end intervals. */
function mostAtOnce(calls: readonly { invite_at: Date; end_at: Date }[]): number {
  const edges = calls.flatMap((c) => [
    [c.invite_at.getTime(), 1],
    [c.end_at.getTime(), -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}

it('three hosts share one campaign: own addresses, one trunk limit, a host lost without losing a contact', async () => {
  const phones = Array.from({ length: 30 }, (_, i) => `+4930777${String(i).padStart(4, '0')}`);
  const sipp = await gateway({ scenario: 'uas-answer', calls: 60, host: network.gateway, timeoutMs: 180_000 });
  const user = await createUser();
  const token = (await login(user.username, user.password)).access_token;
  const extraToken = (await login(user.username, user.password, api.url)).access_token;
  const viaExtra = (method: string, route: string, body?: unknown) =>
    fetch(`${api.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${extraToken}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const trunk = await json<{ id: string }>(
    await viaExtra('POST', '/api/v1/trunks', {
      name: 'bridge gateway',
      host: network.gateway,
      port: sipp.port,
      callerIdNumber: '+4930000000',
      maxConcurrentCalls: 3,
      maxCallsPerSecond: 20,
    }),
    201,
  );
  const wav = buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000 }, encodeSamples([sine(440, 8000, 2)], 1, 16));
  const audio = await json<{ id: string }>(await uploadAudio({ token, bytes: wav, name: 'two seconds' }), 201);
  const campaign = await json<{ id: string }>(
    await call('POST', '/api/v1/campaigns', {
      token,
      body: {
        name: 'three hosts',
        trunkId: trunk.id,
        audioId: audio.id,
        contactListId: await phoneList(token, phones),
        maxConcurrentCalls: 9,
        callsPerSecond: 20,
        maxAttempts: 1,
        record: false,
      },
    }),
    201,
  );
  await json(await viaExtra('POST', `/api/v1/campaigns/${campaign.id}/start`), 200);

  const journalled = async () =>
    Number(
      (await ctx.pool.query('select count(*) as n from call_record where campaign_id = $1', [campaign.id])).rows[0].n,
    );
  for (const deadline = Date.now() + 60_000; (await journalled()) < 6;) {
    if (Date.now() > deadline) throw new Error('fewer than 6 calls journalled within a minute');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.kill(workers[0].pid, 'SIGKILL');
  await workers[0].exited;

  const handle = ctx.temporal.workflow.getHandle<CampaignWorkflow>(`campaign-${campaign.id}`);
  expect(await handle.result()).toMatchObject({ status: 'completed' });

  const { rows: contacts } = await ctx.pool.query<{ state: string; final_outcome: string }>(
    'select state, final_outcome from campaign_contact where campaign_id = $1',
    [campaign.id],
  );
  expect(contacts).toHaveLength(phones.length);
  expect(contacts.filter((c) => c.state !== 'done' || c.final_outcome !== 'answered')).toEqual([]);
  const { rows: calls } = await ctx.pool.query<{
    phone_e164: string;
    outcome: string;
    end_reason: string;
    invite_at: Date;
    end_at: Date;
  }>('select phone_e164, outcome, end_reason, invite_at, end_at from call_record where campaign_id = $1', [
    campaign.id,
  ]);
  const answered = calls.filter((c) => c.outcome === 'answered');
  expect(new Set(answered.map((c) => c.phone_e164)).size).toBe(answered.length); // none answered twice
  expect(new Set(answered.map((c) => c.phone_e164)).size).toBe(phones.length); // none lost
  // The calls the killed worker had up end when the journal learns of them, not when they did.
  expect(mostAtOnce(calls.filter((c) => !/worker lost/.test(c.end_reason)))).toBeLessThanOrEqual(3);

  const invites = sipp.messages().filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '));
  const addresses = network.hosts.map((h) => h.address);
  const from = invites.map((m) => {
    const via = headerValues(m, 'via')[0] ?? '';
    const viaHost = /^SIP\/2\.0\/UDP ([\d.]+)/i.exec(via)?.[1];
    const media = /^c=IN IP4 ([\d.]+)/m.exec(m.body)?.[1];
    return { viaHost, media };
  });
  expect(from.filter((f) => !f.viaHost || f.viaHost !== f.media || !addresses.includes(f.viaHost))).toEqual([]);
  expect(new Set(from.map((f) => f.viaHost)).size).toBeGreaterThanOrEqual(2);
});
