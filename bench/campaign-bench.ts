/**
 * `make bench-campaign`: a campaign of BENCH_CONTACTS (default 2,000) contacts through the
 * API and the worker of a private stack, against a sipp gateway that answers at once and
 * plays nothing back (test/sipp/uas-answer.xml, waits for our BYE), with a 2-second
 * message, at most BENCH_CONCURRENCY (default 100) calls in flight. Prints the wall time
 * from `POST …/start` to status `completed`, end-to-end calls per second, the outcomes,
 * Temporal history events per call (every run of `campaign-<id>`: it continues-as-new),
 * the peak RSS (VmHWM) of the API and the worker, and, in the same run, sipp's own caller
 * (test/sipp/uac-call.xml, 2 s talk, same concurrency, same number of calls) against a fresh
 * identical gateway, with the ratio of the two. Prints figures; asserts nothing.
 */
import { mkdtempSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { startPrivateStack, Supervisor, type PrivateStack } from '../scripts/services/index.js';
import { startSippUac, startSippUas, type SippInstance } from '../scripts/services/sipp.js';
import { sineWave } from '../telephony/media/tone.js';
import { encodeWav } from '../telephony/media/wav.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const MESSAGE_MS = 2000;
const TIMEOUT_MS = Math.max(600_000, (CONTACTS / CONCURRENCY) * 20_000);

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

/** VmHWM (peak resident set) of a process, in kB. */
function peakRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
}

/** The gateway, the same for the campaign and for sipp's caller: answers at once, waits for the caller's BYE. */
function startGateway(): Promise<SippInstance> {
  return startSippUas({
    scenario: 'uas-answer',
    transport: 'udp',
    quiet: true,
    calls: CONTACTS,
    ringMs: 0,
    timeoutMs: TIMEOUT_MS,
  });
}

class Api {
  private constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  static async login(stack: PrivateStack): Promise<Api> {
    const res = await fetch(`${stack.apiUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'voicecast', ...stack.admin }),
    });
    if (!res.ok) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
    return new Api(stack.apiUrl, ((await res.json()) as { access_token: string }).access_token);
  }

  /** JSON (or multipart when `body` is FormData) request; the answer must have `status`. */
  async request<T>(method: string, path: string, status: number, body?: unknown): Promise<T> {
    const form = body instanceof FormData;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined || form ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

const fileForm = (name: string, fileName: string, content: Buffer | string, fields: Record<string, string> = {}) => {
  const form = new FormData();
  form.append('name', name);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('file', new Blob([content]), fileName);
  return form;
};

/** Trunk to the gateway, the 2 s message, the contact list, and the campaign (not started). */
async function createCampaign(api: Api, gateway: SippInstance): Promise<string> {
  const trunk = await api.request<{ id: string }>('POST', '/api/v1/trunks', 201, {
    name: 'bench',
    host: '127.0.0.1',
    port: gateway.port,
    transport: 'udp',
    callerIdNumber: '+4930999999',
    maxConcurrentCalls: Math.max(200, CONCURRENCY),
    maxCallsPerSecond: 1000,
  });
  const wav = encodeWav(sineWave({ frequency: 440, durationMs: MESSAGE_MS }), 8000);
  const audio = await api.request<{ id: string }>('POST', '/api/v1/audio', 201, fileForm('bench', 'message.wav', wav));
  const csv = `phone\n${Array.from({ length: CONTACTS }, (_, i) => `+4930${100_000_000 + i}`).join('\n')}\n`;
  const list = await api.request<{ id: string; imported: number }>(
    'POST',
    '/api/v1/contact-lists',
    201,
    fileForm('bench', 'contacts.csv', csv),
  );
  if (list.imported !== CONTACTS) throw new Error(`imported ${list.imported} of ${CONTACTS} contacts`);
  const campaign = await api.request<{ id: string }>('POST', '/api/v1/campaigns', 201, {
    name: 'bench',
    trunkId: trunk.id,
    audioId: audio.id,
    contactListId: list.id,
    maxConcurrentCalls: CONCURRENCY,
    callsPerSecond: 1000,
    maxAttempts: 1,
    record: false,
  });
  return campaign.id;
}

interface Detail {
  status: string;
  progress: { total: number; done: number; outcomes: Record<string, number> };
}

/** Starts the campaign and polls it until it is no longer running; the wall time in seconds. */
async function runCampaign(api: Api, id: string): Promise<{ seconds: number; detail: Detail }> {
  const started = performance.now();
  await api.request('POST', `/api/v1/campaigns/${id}/start`, 200);
  for (;;) {
    const detail = await api.request<Detail>('GET', `/api/v1/campaigns/${id}`, 200);
    if (!['running', 'paused', 'draft'].includes(detail.status)) {
      return { seconds: (performance.now() - started) / 1000, detail };
    }
    if (performance.now() - started > TIMEOUT_MS)
      throw new Error(`campaign still ${detail.status}: ${JSON.stringify(detail)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** History events of every run of `campaign-<id>`, and how many runs there were. */
async function historyEvents(stack: PrivateStack, id: string): Promise<{ events: number; runs: number }> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new TemporalClient({ connection, namespace: stack.temporal.namespace });
    let events = 0;
    let runs = 0;
    for await (const run of client.workflow.list({ query: `WorkflowId = 'campaign-${id}'` })) {
      events += run.historyLength;
      runs += 1;
    }
    return { events, runs };
  } finally {
    await connection.close();
  }
}

/** Mean time from INVITE to the end of the call, and from INVITE to the answer, over the journal (ms). */
async function callTimes(stack: PrivateStack, id: string): Promise<{ callMs: number; setupMs: number }> {
  const db = new PgClient({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ call_ms: string; setup_ms: string }>(
      `SELECT avg(extract(epoch FROM end_at - invite_at)) * 1000 AS call_ms,
              avg(extract(epoch FROM answer_at - invite_at)) * 1000 AS setup_ms
         FROM call_record WHERE campaign_id = $1`,
      [id],
    );
    return { callMs: Number(rows[0].call_ms), setupMs: Number(rows[0].setup_ms) };
  } finally {
    await db.end();
  }
}

/** sipp's own caller against a fresh gateway: same calls, same concurrency, 2 s talk. */
async function sippRate(dir: string): Promise<number> {
  const gateway = await startGateway();
  const statFile = join(dir, 'uac-stat.csv');
  const started = performance.now();
  const caller = await startSippUac({
    scenario: 'uac-call',
    transport: 'udp',
    quiet: true,
    remote: { host: '127.0.0.1', port: gateway.port },
    calls: CONTACTS,
    durationMs: MESSAGE_MS,
    timeoutMs: TIMEOUT_MS,
    extraArgs: ['-r', '1000', '-l', String(CONCURRENCY), '-trace_stat', '-stf', statFile, '-fd', '1'],
  });
  try {
    const exit = await caller.waitForExit(TIMEOUT_MS + 10_000);
    const wall = (performance.now() - started) / 1000;
    const rows = readFileSync(statFile, 'latin1').trim().split('\n');
    const header = rows[0].split(';');
    const last = rows.at(-1)!.split(';');
    const column = (name: string) => last[header.indexOf(name)];
    const successful = Number(column('SuccessfulCall(C)'));
    const failed = Number(column('FailedCall(C)'));
    // sipp's stat file counts whole seconds: its own figure is printed, the wall clock (as for the campaign) is compared.
    const elapsed = column('ElapsedTime(C)')
      .split(':')
      .reduce((total, part) => total * 60 + Number(part), 0);
    const rate = successful / wall;
    print(
      `  sipp UAC: ${rate.toFixed(1)} calls/s (${successful} successful, ${failed} failed in ${wall.toFixed(1)} s from launch to exit, ` +
        `${CONCURRENCY} in flight, exit ${exit.code}; sipp's own stat file: ${elapsed} s, ${(successful / elapsed).toFixed(1)} calls/s)`,
    );
    return rate;
  } finally {
    await caller.stop();
    await gateway.stop();
  }
}

async function campaignRate(stack: PrivateStack): Promise<number> {
  const gateway = await startGateway();
  try {
    const api = await Api.login(stack);
    const id = await createCampaign(api, gateway);
    const { seconds, detail } = await runCampaign(api, id);
    const rate = CONTACTS / seconds;
    const outcomes = Object.entries(detail.progress.outcomes).map(([k, n]) => `${k} ${n}`);
    print(
      `  campaign: ${rate.toFixed(1)} calls/s end to end (${CONTACTS} contacts in ${seconds.toFixed(1)} s from start to ${detail.status})`,
    );
    print(
      `            outcomes: ${outcomes.join(', ') || 'none'} (done ${detail.progress.done} of ${detail.progress.total})`,
    );
    const times = await callTimes(stack, id);
    print(
      `            mean call ${(times.callMs / 1000).toFixed(2)} s INVITE to end (answer after ${times.setupMs.toFixed(0)} ms); ` +
        `ceiling ${CONCURRENCY} / ${(times.callMs / 1000).toFixed(2)} s = ${((CONCURRENCY * 1000) / times.callMs).toFixed(1)} calls/s ` +
        `(${CONCURRENCY} / ${MESSAGE_MS / 1000} s = ${(CONCURRENCY / (MESSAGE_MS / 1000)).toFixed(0)} without set-up)`,
    );
    const history = await historyEvents(stack, id);
    print(
      `            Temporal: ${history.events} history events in ${history.runs} run(s) of campaign-${id}: ` +
        `${(history.events / CONTACTS).toFixed(2)} per call`,
    );
    print(
      `            peak RSS: API ${mb(peakRssKb(stack.pids.api))}, worker ${mb(peakRssKb(stack.pids.worker))} (VmHWM, whole process life)`,
    );
    return rate;
  } finally {
    await gateway.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-campaign-'));
  chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
  const supervisor = new Supervisor();
  process.once('exit', () => supervisor.killAll());
  try {
    // RTP ports of their own, away from the default range other stacks on this machine use.
    const rtpMin = 40_000 + 2000 * Math.floor(Math.random() * 10);
    const stack = await startPrivateStack(dir, supervisor, {
      worker: true,
      env: { RTP_PORT_MIN: String(rtpMin), RTP_PORT_MAX: String(rtpMin + 1999) },
    });
    print(
      `campaign benchmark: ${CONTACTS} contacts, ${MESSAGE_MS / 1000} s message, campaign maxConcurrentCalls ${CONCURRENCY}, ` +
        `gateway sipp uas-answer.xml (answers at once, no RTP back), 127.0.0.1`,
    );
    print(`  machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at start`);
    const ours = await campaignRate(stack);
    const theirs = await sippRate(dir);
    print(`  ratio campaign / sipp UAC: ${(ours / theirs).toFixed(2)}`);
  } finally {
    await supervisor.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-campaign failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
