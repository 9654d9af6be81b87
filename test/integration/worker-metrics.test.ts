/**
 * The worker's Prometheus endpoint (lib/worker-metrics.ts).
 *
 * In this process, over a real engine and a real sipp gateway: datagrams from a stranger
 * and a request outside any dialog reach our SIP port during a call, and the scrape counts
 * them (review F3: "dropped, counted in a metric"). Who may scrape: METRICS_TOKEN or nobody
 * (401), and without a token only on loopback. Then the real worker process (dist/worker.js)
 * serves the same endpoint from WORKER_METRICS_PORT.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { freePort } from '../../scripts/services';
import { TelephonyEngine } from '../../telephony/engine.js';
import { sleep, waitFor } from '../../telephony/rtp/test-support.js';
import { Registry } from 'prom-client';
import { serveMetrics, startWorkerMetrics, type WorkerMetricsServer } from '../../lib/worker-metrics.js';
import { startExtraWorker } from '../support/extra-worker';
import { sippGateways } from '../support/sipp-gateways';
import { ringingCall, udpSocketOn } from '../support/sip-calls';

const gateway = sippGateways({ timeoutMs: 30_000, ringMs: 100 });
const token = randomBytes(24).toString('hex');
const sent: string[] = [];
const logged: { level: string; message: string }[] = [];
const logger = {
  info: (_: object, message: string) => logged.push({ level: 'info', message }),
  error: (_: object, message: string) => logged.push({ level: 'error', message }),
} as unknown as Parameters<typeof startWorkerMetrics>[0]['logger'];
let engine: TelephonyEngine;
let metrics: WorkerMetricsServer;
let slotsUsed = 0;

beforeAll(async () => {
  engine = new TelephonyEngine({
    bindAddress: '127.0.0.1',
    rtpPorts: { min: 47000, max: 47499 },
    onSipTrace: (direction, message) => direction === 'out' && sent.push(message),
  });
  const server = await startWorkerMetrics({
    host: '127.0.0.1',
    port: 0,
    token,
    sources: {
      sipGuard: () => engine.sipGuard.snapshot(),
      callSlots: () => ({ used: slotsUsed, slots: 40, waitingOwners: 0 }),
    },
    logger,
  });
  if (!server) throw new Error(`metrics did not start: ${JSON.stringify(logged)}`);
  metrics = server;
});

afterAll(async () => {
  await metrics?.close();
  await engine.close();
});

const scrape = (port: number, headers: Record<string, string> = { authorization: `Bearer ${token}` }, init = {}) =>
  fetch(`http://127.0.0.1:${port}/metrics`, { headers, ...init });

/** The value of an unlabelled sample in Prometheus text. */
function sample(text: string, name: string): number {
  const line = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!line) throw new Error(`no ${name} in\n${text.slice(0, 2000)}`);
  return Number(line[1]);
}

test('datagrams from strangers and requests outside a dialog are counted in the scrape', async () => {
  const before = await (await scrape(metrics.port)).text();
  expect(sample(before, 'voicecast_sip_foreign_dropped_total')).toBe(0);
  const sipp = await gateway({ scenario: 'uas-ring-forever', transport: 'udp' });
  const placed = ringingCall(engine, sipp);
  await waitFor(() => sent.some((m) => m.startsWith('INVITE ')), 5000, 'the INVITE');
  const via = /^Via:[ \t]*SIP\/2\.0\/UDP 127\.0\.0\.1:(\d+)/im.exec(sent.find((m) => m.startsWith('INVITE '))!);
  const ourPort = Number(via![1]);
  const stranger = await udpSocketOn('127.0.0.2');
  try {
    const options = [
      `OPTIONS sip:probe@127.0.0.1:${ourPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK${randomUUID().replaceAll('-', '')}`,
      'From: <sip:scanner@127.0.0.2>;tag=1',
      'To: <sip:probe@127.0.0.1>',
      `Call-ID: ${randomUUID()}`,
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    for (let i = 0; i < 5; i += 1) {
      await new Promise<void>((resolve) => stranger.send(options, ourPort, '127.0.0.1', () => resolve()));
    }
    slotsUsed = 3;
    let text = '';
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(20)) {
      text = await (await scrape(metrics.port)).text();
      if (sample(text, 'voicecast_sip_foreign_dropped_total') >= 5) break;
    }
    expect(sample(text, 'voicecast_sip_foreign_dropped_total')).toBeGreaterThanOrEqual(5);
    expect(text).toMatch(/^# TYPE voicecast_sip_foreign_dropped_total counter$/m);
    expect(sample(text, 'voicecast_worker_calls_active')).toBe(3);
    expect(sample(text, 'voicecast_worker_call_slots')).toBe(40);
    expect(text).toMatch(/^voicecast_worker_process_cpu_seconds_total /m);
  } finally {
    stranger.close();
    slotsUsed = 0;
  }
  await placed;
});

test('only METRICS_TOKEN opens it; other paths and methods are refused', async () => {
  const none = await scrape(metrics.port, {});
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  expect(await none.text()).not.toMatch(/voicecast_/);
  expect((await scrape(metrics.port, { authorization: `Bearer ${token}x` })).status).toBe(401);
  expect((await scrape(metrics.port, { authorization: token })).status).toBe(401);
  const post = await scrape(metrics.port, { authorization: `Bearer ${token}` }, { method: 'POST' });
  expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  expect((await fetch(`http://127.0.0.1:${metrics.port}/`)).status).toBe(404);
  const ok = await scrape(metrics.port);
  expect([ok.status, ok.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
});

test('without a token it is served on loopback only, and a taken port leaves the worker running', async () => {
  const sources = {
    sipGuard: () => ({ foreignDropped: 0, outOfDialogAnswered: 0, outOfDialogDropped: 0 }),
    callSlots: () => ({ used: 0, slots: 1, waitingOwners: 0 }),
  };
  logged.length = 0;
  expect(await startWorkerMetrics({ host: '0.0.0.0', port: 0, sources, logger })).toBeUndefined();
  expect(logged).toEqual([{ level: 'error', message: expect.stringMatching(/and METRICS_TOKEN is not set/) }]);
  // The agent's endpoint names the agent's own setting, in the log and in a refusal.
  logged.length = 0;
  const agentEndpoint = { port: 0, tokenSetting: 'AGENT_METRICS_TOKEN', logger };
  expect(await serveMetrics(new Registry(), { host: '0.0.0.0', ...agentEndpoint })).toBeUndefined();
  expect(logged).toEqual([{ level: 'error', message: expect.stringMatching(/and AGENT_METRICS_TOKEN is not set/) }]);
  const agentMetrics = await serveMetrics(new Registry(), { host: '127.0.0.1', token, ...agentEndpoint });
  try {
    expect(await (await scrape(agentMetrics!.port, {})).text()).toBe('send AGENT_METRICS_TOKEN\n');
  } finally {
    await agentMetrics?.close();
  }

  const open = await startWorkerMetrics({ host: '127.0.0.1', port: 0, sources, logger });
  try {
    expect((await scrape(open!.port, {})).status).toBe(200);
  } finally {
    await open?.close();
  }

  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as { port: number }).port;
  logged.length = 0;
  try {
    expect(await startWorkerMetrics({ host: '127.0.0.1', port: taken, sources, logger })).toBeUndefined();
    expect(logged).toEqual([{ level: 'error', message: expect.stringMatching(/port could not be taken/) }]);
  } finally {
    holder.close();
  }
});

test('the worker process serves it on WORKER_METRICS_PORT', async () => {
  const port = await freePort();
  const worker = await startExtraWorker(`metrics-${randomUUID()}`, {
    WORKER_METRICS_PORT: String(port),
    METRICS_TOKEN: token,
    WORKER_MAX_CALLS: '7',
  });
  try {
    expect((await scrape(port, {})).status).toBe(401);
    const text = await (await scrape(port)).text();
    expect(sample(text, 'voicecast_worker_call_slots')).toBe(7);
    expect(sample(text, 'voicecast_worker_calls_active')).toBe(0);
    expect(sample(text, 'voicecast_sip_foreign_dropped_total')).toBe(0);
  } finally {
    await worker.terminate();
  }
  await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
});

test("each media thread's heap is in the scrape while it runs, none before its first call", async () => {
  const threaded = new TelephonyEngine({
    bindAddress: '127.0.0.1',
    rtpPorts: { min: 47500, max: 47999 },
    mediaThreads: 2,
  });
  const server = await startWorkerMetrics({
    host: '127.0.0.1',
    port: 0,
    sources: {
      sipGuard: () => threaded.sipGuard.snapshot(),
      callSlots: () => ({ used: 0, slots: 40, waitingOwners: 0 }),
      mediaHeaps: () => threaded.mediaHeaps(),
    },
    logger,
  });
  if (!server) throw new Error(`metrics did not start: ${JSON.stringify(logged)}`);
  const heapLines = (text: string) =>
    [...text.matchAll(/^voicecast_worker_media_thread_heap_bytes\{([^}]*)\} (\S+)$/gm)].map(([, labels, value]) => ({
      labels,
      value: Number(value),
    }));
  try {
    const idle = await (await scrape(server.port, {})).text();
    expect(idle).toMatch(/^# TYPE voicecast_worker_media_thread_heap_bytes gauge$/m);
    expect(heapLines(idle)).toEqual([]);
    const sipp = await gateway({ scenario: 'uas-ring-forever', transport: 'udp' });
    const placed = ringingCall(threaded, sipp);
    let lines: ReturnType<typeof heapLines> = [];
    for (const deadline = Date.now() + 5000; Date.now() < deadline && lines.length === 0; await sleep(50)) {
      lines = heapLines(await (await scrape(server.port, {})).text());
    }
    // The call's media went to one thread: its heap, used within total, and its buffers.
    const value = (kind: string) => lines.find((l) => l.labels.includes(`kind="${kind}"`))?.value ?? NaN;
    expect(lines.map((l) => /kind="(\w+)"/.exec(l.labels)?.[1]).sort()).toEqual(['external', 'total', 'used']);
    expect(lines.every((l) => /thread="0"/.test(l.labels))).toBe(true);
    expect(value('used')).toBeGreaterThan(1e6);
    expect(value('total')).toBeGreaterThanOrEqual(value('used'));
    expect(value('external')).toBeGreaterThan(0);
    await placed;
  } finally {
    await server.close();
    await threaded.close();
  }
  // Closed threads are left out, not read from a thread that is gone.
  expect(await threaded.mediaHeaps()).toEqual([]);
});
