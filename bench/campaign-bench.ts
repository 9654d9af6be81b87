/**
 * `make bench-campaign`: a campaign of BENCH_CONTACTS (default 2,000) contacts through the
 * API and the worker of a private stack, against a sipp gateway that answers at once and
 * plays nothing back (test/sipp/uas-answer.xml, waits for our BYE), with a 2-second
 * message, at most BENCH_CONCURRENCY (default 100) calls in flight, BENCH_CPS (default 1000,
 * unpaced) new calls per second for the campaign and sipp alike, BENCH_REPEAT (default 3)
 * times in the same stack. Per run: the wall time from `POST …/start` to status
 * `completed`, end-to-end calls per second, the contacts placed and answered, any journal
 * rows `failed` or lost, the contacts' states, Temporal history events per call (every run
 * of `campaign-<id>`: it continues-as-new), the worker's wall time per call in each step
 * (claim, setup, admit, leases, pacing, ledger, sip, journal, upload, webhooks; from its
 * /metrics, bench/step-costs.ts), the peak RSS (VmHWM) of the API and the worker,
 * and sipp's own caller (test/sipp/uac-call.xml, 2 s talk, same concurrency, same number of
 * calls) against a fresh identical gateway, with the ratio of the two. Then a table of all
 * runs. A run that is not complete by BENCH_DEADLINE_S (every contact final), that left a
 * contact unplaced or journalled one as failed or lost is reported and cancelled, and the
 * benchmark exits 1 at the end.
 *
 * Then (unless BENCH_FAILOVER=0) the failover run (bench/failover-run.ts): the same number of
 * contacts once through one trunk and once through a group whose first trunk answers 503 to
 * half of them: calls/s with failover against without, and the extra set-up time per
 * failed-over call. The stack runs with the trunks' circuit breaker off for it.
 *
 * At scale (`make bench-scale`: 1,000 calls in flight, a 30 s message, recording on):
 * BENCH_MESSAGE_MS sets the message, BENCH_RECORD=1 records every call, BENCH_RTP_ECHO=1 has
 * the gateway send every RTP packet back (two-way audio; `alternate`: in even runs only), and
 * BENCH_RTP_WINDOW_S captures that many seconds of our RTP at the gateway (tcpdump, kernel
 * timestamps) from the moment the calls up first reach 95 % of BENCH_CONCURRENCY: the
 * deviation of each packet interval from 20 ms, p50/p99/max. The worker's memory is sampled
 * from its /metrics throughout (bench/worker-memory.ts): its highest RSS split into heaps,
 * buffers and the rest, and per call up. The worker gets WORKER_MAX_CALLS ≥ BENCH_CONCURRENCY.
 */
import { mkdtempSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { startPrivateStack, Supervisor, type PrivateStack } from '../scripts/services/index.js';
import { startSippUac, type SippInstance } from '../scripts/services/sipp.js';
import { freePort } from '../scripts/services/ports.js';
import { BenchApi } from './bench-api.js';
import { failoverRun, type FailoverReport } from './failover-run.js';
import { intervalJitter, startCapture } from './rtp-capture.js';
import { describeStepCosts, scrapeSteps } from './step-costs.js';
import { describeMemory, MemorySampler } from './worker-memory.js';
import {
  createCampaign,
  describeCounts,
  journalSummary,
  openContacts,
  print,
  runCampaign,
  startGateway as startSippGateway,
  withDatabase,
  type CampaignSpec,
  type JournalSummary,
} from './campaign-fixture.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const FAILOVER = process.env.BENCH_FAILOVER !== '0';
const MESSAGE_MS = Number(process.env.BENCH_MESSAGE_MS ?? 2000);
const RECORD = process.env.BENCH_RECORD === '1';
/** New calls per second, the campaign's `callsPerSecond` and sipp's `-r` alike (default 1000: unpaced). */
const CPS = Number(process.env.BENCH_CPS ?? 1000);
const RTP_ECHO = process.env.BENCH_RTP_ECHO ?? '0';
/** Whether run `run`'s gateway sends our RTP back (two-way audio). */
const echoes = (run: number): boolean => RTP_ECHO === '1' || (RTP_ECHO === 'alternate' && run % 2 === 0);
/** Seconds of RTP captured once the calls up reach 95 % of CONCURRENCY (0: none). */
const RTP_WINDOW_S = Number(process.env.BENCH_RTP_WINDOW_S ?? 0);
const TIMEOUT_MS = Math.max(600_000, Math.ceil(CONTACTS / CONCURRENCY) * (MESSAGE_MS + 1000) * 10);
/** A run still not complete after this is reported as such (4x the ideal time, at least 3 minutes). */
const DEADLINE_MS =
  Number(process.env.BENCH_DEADLINE_S ?? 0) * 1000 ||
  Math.max(180_000, Math.ceil(CONTACTS / CONCURRENCY) * (MESSAGE_MS + 1000) * 4);

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

/** VmHWM (peak resident set) of a process, in kB. */
function peakRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
}

/** The gateway, the same for the campaign and for sipp's caller: answers at once, waits for the caller's BYE. */
function startGateway(echo = false): Promise<SippInstance> {
  return startSippGateway({ calls: CONTACTS, timeoutMs: TIMEOUT_MS, ...(echo ? { extraArgs: ['-rtp_echo'] } : {}) });
}

/**
 * Once the worker has 95 % of CONCURRENCY calls up (the sampler's last scrape), captures
 * RTP_WINDOW_S seconds of our packets to the gateway and describes their timing. Gives up
 * (undefined) when `ended()` comes first.
 */
async function rtpWindow(
  sampler: MemorySampler,
  gateway: SippInstance,
  dir: string,
  run: number,
  ended: () => boolean,
): Promise<string | undefined> {
  while (sampler.lastCalls < CONCURRENCY * 0.95) {
    if (ended()) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const capture = await startCapture(gateway.mediaPort, join(dir, `rtp-${run}.pcap`));
  const callsAtStart = sampler.lastCalls;
  await new Promise((resolve) => setTimeout(resolve, RTP_WINDOW_S * 1000));
  const callsAtEnd = sampler.lastCalls;
  const { streams, droppedByKernel } = await capture.stop();
  rmSync(join(dir, `rtp-${run}.pcap`), { force: true });
  const jitter = intervalJitter(streams);
  const packets = [...streams.values()].reduce((sum, times) => sum + times.length, 0);
  return (
    `RTP to the gateway over ${RTP_WINDOW_S} s with ${callsAtStart}→${callsAtEnd} calls up: ${packets} packets in ` +
    `${streams.size} streams (kernel drops ${droppedByKernel}); interval deviation from 20 ms ` +
    `p50 ${jitter.p50.toFixed(3)}, p99 ${jitter.p99.toFixed(3)}, max ${jitter.max.toFixed(3)} ms over ${jitter.intervals} intervals`
  );
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
function callTimes(stack: PrivateStack, id: string): Promise<{ callMs: number; setupMs: number }> {
  return withDatabase(stack.databaseUrl, async (db) => {
    const { rows } = await db.query<{ call_ms: string; setup_ms: string }>(
      `SELECT avg(extract(epoch FROM end_at - invite_at)) * 1000 AS call_ms,
              avg(extract(epoch FROM answer_at - invite_at)) * 1000 AS setup_ms
         FROM call_record WHERE campaign_id = $1`,
      [id],
    );
    return { callMs: Number(rows[0].call_ms), setupMs: Number(rows[0].setup_ms) };
  });
}

/** sipp's own caller against a fresh gateway: same calls, same concurrency, same talk time. */
async function sippRate(dir: string, run: number): Promise<number> {
  const gateway = await startGateway(echoes(run));
  const statFile = join(dir, `uac-stat-${run}.csv`);
  const started = performance.now();
  const caller = await startSippUac({
    scenario: 'uac-call',
    transport: 'udp',
    quiet: true,
    remote: { host: '127.0.0.1', port: gateway.port },
    calls: CONTACTS,
    durationMs: MESSAGE_MS,
    timeoutMs: TIMEOUT_MS,
    extraArgs: ['-r', String(CPS), '-l', String(CONCURRENCY), '-trace_stat', '-stf', statFile, '-fd', '1'],
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
      `  run ${run} sipp UAC: ${rate.toFixed(1)} calls/s (${successful} successful, ${failed} failed in ${wall.toFixed(1)} s from launch to exit, ` +
        `${CONCURRENCY} in flight, exit ${exit.code}; sipp's own stat file: ${elapsed} s, ${(successful / elapsed).toFixed(1)} calls/s)`,
    );
    return rate;
  } finally {
    await caller.stop();
    await gateway.stop();
  }
}

interface RunReport {
  readonly run: number;
  readonly completed: boolean;
  readonly seconds: number;
  readonly rate: number;
  readonly journal: JournalSummary;
  sippRate?: number;
}

const failedOrLost = (journal: JournalSummary): number =>
  Object.values(journal.failedOrLost).reduce((sum, n) => sum + n, 0);

/** Whether a run did what the issue asks: complete, every contact placed, nothing failed or lost. */
const runOk = (r: RunReport): boolean => r.completed && r.journal.placed === CONTACTS && failedOrLost(r.journal) === 0;

async function campaignRun(
  stack: PrivateStack,
  api: BenchApi,
  run: number,
  metricsUrl: string,
  dir: string,
): Promise<RunReport> {
  const gateway = await startGateway(echoes(run));
  const sampler = new MemorySampler(metricsUrl);
  try {
    const stepsBefore = await scrapeSteps(metricsUrl);
    const spec: CampaignSpec = {
      tag: `bench-${run}`,
      contacts: CONTACTS,
      concurrency: CONCURRENCY,
      messageMs: MESSAGE_MS,
      record: RECORD,
      callsPerSecond: CPS,
    };
    const id = await createCampaign(api, gateway, spec);
    const idle = await sampler.sample();
    sampler.start();
    let ended = false;
    const window = RTP_WINDOW_S > 0 ? rtpWindow(sampler, gateway, dir, run, () => ended) : undefined;
    const { completed, seconds, detail } = await runCampaign(api, id, DEADLINE_MS).finally(() => (ended = true));
    const rtp = await window;
    sampler.stop();
    if (!completed) {
      print(
        `  run ${run}: NOT COMPLETE after ${seconds.toFixed(0)} s (deadline BENCH_DEADLINE_S=${DEADLINE_MS / 1000})`,
      );
      await api.request('POST', `/api/v1/campaigns/${id}/cancel`, 200).catch((err: Error) => {
        print(`            cancelling it failed: ${err.message}`);
      });
    }
    const journal = await journalSummary(stack.databaseUrl, id);
    const rate = journal.placed / seconds;
    const outcomes = detail ? describeCounts(detail.progress.outcomes) : 'unknown';
    print(
      `  run ${run} campaign: ${rate.toFixed(1)} calls/s end to end (${journal.placed} of ${CONTACTS} contacts placed in ${seconds.toFixed(1)} s ` +
        `from start to ${detail?.status ?? 'unknown'})`,
    );
    print(
      `            outcomes: ${outcomes} (done ${detail?.progress.done ?? '?'} of ${detail?.progress.total ?? '?'}); answered ${journal.answered}; ` +
        `contacts ${describeCounts(journal.contactStates)}`,
    );
    print(
      `            failed or lost journal rows: ${failedOrLost(journal)}${failedOrLost(journal) ? ` (${describeCounts(journal.failedOrLost)})` : ''}; ` +
        `contacts not final: ${openContacts(journal.contactStates)}; answered twice: ${journal.answeredTwice}`,
    );
    const times = await callTimes(stack, id);
    print(
      `            mean call ${(times.callMs / 1000).toFixed(2)} s INVITE to end (answer after ${times.setupMs.toFixed(0)} ms); ` +
        `ceiling ${CONCURRENCY} / ${(times.callMs / 1000).toFixed(2)} s = ${((CONCURRENCY * 1000) / times.callMs).toFixed(1)} calls/s ` +
        `(${CONCURRENCY} / ${MESSAGE_MS / 1000} s = ${(CONCURRENCY / (MESSAGE_MS / 1000)).toFixed(0)} without set-up)`,
    );
    for (const line of describeStepCosts(stepsBefore, await scrapeSteps(metricsUrl), journal.placed)) {
      print(`            ${line}`);
    }
    const history = await historyEvents(stack, id);
    print(
      `            Temporal: ${history.events} history events in ${history.runs} run(s) of campaign-${id}: ` +
        `${(history.events / CONTACTS).toFixed(2)} per call`,
    );
    print(
      `            peak RSS: API ${mb(peakRssKb(stack.pids.api))}, worker ${mb(peakRssKb(stack.pids.worker))} (VmHWM, whole process life)`,
    );
    print(`            most calls up at once in the worker (its /metrics every 2 s): ${sampler.busiest?.calls ?? 0}`);
    if (sampler.peak && sampler.busiest) {
      for (const line of describeMemory(sampler.peak, sampler.busiest, idle)) print(`            ${line}`);
    }
    if (RTP_WINDOW_S > 0) {
      print(
        `            ${rtp ?? `no RTP window: the calls up never reached 95 % of ${CONCURRENCY}`}` +
          `${echoes(run) ? ' (the gateway echoed every packet: two-way audio)' : ' (the gateway silent)'}`,
      );
    }
    return { run, completed, seconds, rate, journal };
  } finally {
    sampler.stop();
    await gateway.stop();
  }
}

function summary(reports: readonly RunReport[]): void {
  print('');
  print('  run | complete | placed | answered | failed/lost | not final | wall s | calls/s | sipp calls/s | ratio');
  for (const r of reports) {
    const cells = [
      String(r.run).padStart(3),
      (r.completed ? 'yes' : 'NO').padEnd(8),
      `${r.journal.placed}`.padStart(6),
      `${r.journal.answered}`.padStart(8),
      `${failedOrLost(r.journal)}`.padStart(11),
      `${openContacts(r.journal.contactStates)}`.padStart(9),
      r.seconds.toFixed(1).padStart(6),
      r.rate.toFixed(1).padStart(7),
      (r.sippRate?.toFixed(1) ?? '-').padStart(12),
      r.sippRate ? (r.rate / r.sippRate).toFixed(2) : '-',
    ];
    print(`  ${cells.join(' | ')}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-campaign-'));
  chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
  const supervisor = new Supervisor();
  process.once('exit', () => supervisor.killAll());
  const reports: RunReport[] = [];
  let failover: FailoverReport | undefined;
  try {
    // RTP ports of their own, away from the default range other stacks on this machine use.
    const rtpMin = 40_000 + 2000 * Math.floor(Math.random() * (CONCURRENCY > 500 ? 4 : 10));
    // The worker's /metrics on a known port: each run's cost per step comes from its counters.
    const metricsPort = await freePort();
    const stack = await startPrivateStack(dir, supervisor, {
      worker: true,
      // The breaker off: the failover run's first trunk answers 503 to every other call.
      env: {
        RTP_PORT_MIN: String(rtpMin),
        RTP_PORT_MAX: String(rtpMin + Math.max(1999, 4 * CONCURRENCY - 1)),
        // Room for every call in flight, and the fair-share headroom above it.
        WORKER_MAX_CALLS: String(Math.max(1000, Math.ceil(CONCURRENCY * 1.05))),
        // The owner's default cap on calls at once (100) would hold the rest of a larger run in `leases`.
        TENANT_MAX_CONCURRENT_CALLS: String(Math.max(100, CONCURRENCY)),
        TRUNK_BREAKER_FAILURES: '0',
        WORKER_METRICS_HOST: '127.0.0.1',
        WORKER_METRICS_PORT: String(metricsPort),
        // The stack's pool size, when the bench is asked to try another (default 10).
        ...(process.env.DATABASE_POOL_MAX ? { DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX } : {}),
        // glibc's allocator settings (MALLOC_ARENA_MAX…), to compare the worker's memory with and without.
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MALLOC_'))),
      },
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    print(
      `campaign benchmark: ${CONTACTS} contacts, ${MESSAGE_MS / 1000} s message, recording ${RECORD ? 'on' : 'off'}, ` +
        `campaign maxConcurrentCalls ${CONCURRENCY}, ${CPS} new calls/s at most (campaign and sipp), gateway sipp uas-answer.xml (answers at once; RTP back: ${RTP_ECHO === '1' ? 'echo' : RTP_ECHO === 'alternate' ? 'echo in even runs' : 'none'}), ` +
        `127.0.0.1, ${REPEAT} run(s), deadline ${DEADLINE_MS / 1000} s each`,
    );
    const api = await BenchApi.login(stack);
    for (let run = 1; run <= REPEAT; run++) {
      print(
        `  machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at the start of run ${run}`,
      );
      const report = await campaignRun(stack, api, run, metricsUrl, dir);
      reports.push(report);
      report.sippRate = await sippRate(dir, run);
      print(`  run ${run} ratio campaign / sipp UAC: ${(report.rate / report.sippRate).toFixed(2)}`);
    }
    print(`  access token renewed ${api.renewals} time(s)`);
    summary(reports);
    if (FAILOVER) {
      const limits = { deadlineMs: DEADLINE_MS, timeoutMs: TIMEOUT_MS, dir };
      failover = await failoverRun(stack, api, {
        contacts: CONTACTS,
        concurrency: CONCURRENCY,
        messageMs: MESSAGE_MS,
        ...limits,
      });
    }
  } finally {
    await supervisor.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = reports.filter((r) => !runOk(r));
  if (bad.length > 0) {
    process.stderr.write(
      `bench-campaign: ${bad.length} of ${reports.length} run(s) incomplete, with contacts not placed, or with failed/lost attempts: ` +
        `run ${bad.map((r) => r.run).join(', ')}\n`,
    );
    process.exitCode = 1;
  }
  if (failover && !failover.ok) {
    process.stderr.write('bench-campaign: the failover run left contacts unanswered or did not complete\n');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-campaign failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
