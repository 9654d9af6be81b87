/**
 * `make bench-faults`: does a campaign survive its services going away? On a restartable
 * private stack (scripts/services/stack-control.ts), a recorded campaign of BENCH_CONTACTS
 * (default 2,000) contacts, at most BENCH_CONCURRENCY (100) in flight, a BENCH_MESSAGE_MS
 * (2,000 ms) message, one attempt each, against a sipp gateway that answers every call and
 * logs each new INVITE with its number (bench/sipp/uas-answer-log.xml). First once without
 * faults, then again (new numbers) while PostgreSQL, Temporal and MinIO (BENCH_FAULTS, in
 * that order) are each stopped for BENCH_OUTAGE_S (20 s) and started again: fault k of n
 * begins once k/(n+1) of the contacts are done (or the campaign has ended), at least
 * BENCH_FAULT_GAP_S (10 s) after the previous one came back. BENCH_FAULT_KILL=1 crashes them
 * instead (PostgreSQL SIGQUIT, the others SIGKILL).
 *
 * Per run: contacts lost (not final when the campaign ended, or never INVITEd), double
 * dials (INVITEs to a number beyond its first: the gateway answers all, so each is an
 * answered contact called again), recordings missing (answered rows without a stored,
 * downloadable WAV: `recording_state` other than `stored` where the journal has that column,
 * no `recording_key`, or GET /api/v1/calls/{id}/recording failing; the gateway sends no
 * audio, so the WAVs hold silence), failed/lost journal rows; then the extra wall time the
 * faults cost against the fault-free run. Every count must be 0 and both runs complete, or the benchmark exits 1.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, sleep, stackControl, startPrivateStack, Supervisor } from '../scripts/services/index.js';
import type { PrivateStack, StackControl, StackService } from '../scripts/services/index.js';
import type { SippInstance } from '../scripts/services/sipp.js';
import { BenchApi } from './bench-api.js';
import {
  campaignNumbers,
  createCampaign,
  describeCounts,
  openContacts,
  print,
  runCampaign,
  startGateway,
  withDatabase,
  type CampaignDetail,
  type CampaignSpec,
} from './campaign-fixture.js';

/** What a fault run does; `make bench-faults` reads it from BENCH_* (see the file comment), the fault test passes its own. */
export interface FaultOptions {
  readonly contacts: number;
  readonly concurrency: number;
  readonly messageMs: number;
  readonly outageMs: number;
  readonly gapMs: number;
  readonly faults: readonly StackService[];
  /** Crash the services (PostgreSQL SIGQUIT, the others SIGKILL) instead of stopping them. */
  readonly crash: boolean;
  /** Time for recordings still pending after the campaign ended to be stored. */
  readonly settleMs: number;
  readonly deadlineMs: number;
  /**
   * The first fault begins before the campaign starts (its message uploaded, no call placed):
   * a worker that has not fetched the message yet meets storage that is away.
   */
  readonly firstBeforeStart?: boolean;
  /** Register a `call.completed` webhook and count the answered calls whose delivery never came (default on). */
  readonly webhooks?: boolean;
  /** More environment for the stack's API and worker, e.g. CAMPAIGN_CALL_RETRY_* (the fault test scales its outages with them). */
  readonly stackEnv?: Readonly<Record<string, string>>;
}

export function faultOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): FaultOptions {
  const contacts = Number(env.BENCH_CONTACTS ?? 2000);
  const concurrency = Number(env.BENCH_CONCURRENCY ?? 100);
  const messageMs = Number(env.BENCH_MESSAGE_MS ?? 2000);
  const outageMs = Number(env.BENCH_OUTAGE_S ?? 20) * 1000;
  const gapMs = Number(env.BENCH_FAULT_GAP_S ?? 10) * 1000;
  const faults = (env.BENCH_FAULTS ?? 'postgres,temporal,minio').split(',').filter(Boolean) as StackService[];
  const idealMs = Math.ceil(contacts / concurrency) * (messageMs + 500);
  return {
    contacts,
    concurrency,
    messageMs,
    outageMs,
    gapMs,
    faults,
    crash: env.BENCH_FAULT_KILL === '1',
    firstBeforeStart: env.BENCH_FIRST_FAULT_BEFORE_START === '1',
    webhooks: env.BENCH_WEBHOOKS !== '0',
    settleMs: Number(env.BENCH_SETTLE_S ?? 60) * 1000,
    deadlineMs:
      Number(env.BENCH_DEADLINE_S ?? 0) * 1000 ||
      Math.max(300_000, idealMs * 4) + faults.length * (outageMs + gapMs) * 3,
  };
}

const GATEWAY_LOG = join(repoRoot(), 'bench', 'sipp', 'uas-answer-log.xml');

export interface Verdict {
  readonly completed: boolean;
  readonly seconds: number;
  readonly lost: number;
  readonly doubleDials: number;
  readonly recordingsMissing: number;
  /** Answered calls whose `call.completed` webhook never reached the receiver. */
  readonly webhooksMissing: number;
  readonly failedOrLostRows: number;
}

const problems = (v: Verdict): number =>
  (v.completed ? 0 : 1) + v.lost + v.doubleDials + v.recordingsMissing + v.webhooksMissing + v.failedOrLostRows;

/**
 * A webhook receiver on loopback: the call ids of the `call.completed` deliveries it got
 * (deliveries are at least once: a repeat counts once).
 */
async function startReceiver(): Promise<{ url: string; completed: Set<string>; close: () => Promise<void> }> {
  const completed = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          event?: string;
          data?: { callId?: string };
        };
        if (body.event === 'call.completed' && body.data?.callId) completed.add(body.data.callId);
      } catch {
        // not ours to judge: counted as missing if its call's delivery never comes
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    completed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Answered calls without a `call.completed` delivery, after waiting up to `settleMs` for the stragglers. */
async function missingWebhooks(rows: readonly AnsweredRow[], completed: ReadonlySet<string>, settleMs: number) {
  const deadline = performance.now() + settleMs;
  for (;;) {
    const missing = rows.filter((r) => !completed.has(r.id)).length;
    if (missing === 0 || performance.now() > deadline) return missing;
    await sleep(1000);
  }
}

/** The fault schedule, run beside the campaign; each line it prints is relative to the campaign's start. */
async function injectFaults(
  o: FaultOptions,
  api: BenchApi,
  ctl: StackControl,
  id: string,
  startedAt: () => number,
  finished: () => boolean,
): Promise<void> {
  const at = () => `+${((performance.now() - startedAt()) / 1000).toFixed(1)} s`;
  for (const [k, service] of o.faults.entries()) {
    const threshold = Math.ceil(((k + 1) / (o.faults.length + 1)) * o.contacts);
    let done = -1;
    const stoppedAlready = k === 0 && o.firstBeforeStart === true; // by campaignRun, before the start
    while (!finished() && !stoppedAlready) {
      const detail = await api.request<CampaignDetail>('GET', `/api/v1/campaigns/${id}`, 200).catch(() => undefined);
      done = detail?.progress.done ?? done;
      if (done >= threshold) break;
      await sleep(250);
    }
    const signal = o.crash ? (service === 'postgres' ? 'SIGQUIT' : 'SIGKILL') : undefined;
    const when = stoppedAlready
      ? 'before the campaign started'
      : finished()
        ? 'after the campaign ended'
        : `${done} of ${o.contacts} done`;
    print(`    ${at()}: ${service} stopped${signal ? ` (${signal})` : ''}, ${when}`);
    if (!stoppedAlready) await ctl.stop(service, signal);
    await sleep(o.outageMs);
    const starting = performance.now();
    await ctl.start(service);
    print(
      `    ${at()}: ${service} back (ready ${((performance.now() - starting) / 1000).toFixed(1)} s after its start)`,
    );
    if (k < o.faults.length - 1) await sleep(o.gapMs);
  }
}

/** What campaign.workflow.ts logs when a call activity has used up its tries. */
const GIVEN_BACK = 'call activity failed for good';

function countLines(file: string, text: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(text)).length;
}

/** INVITEs per number from the gateway's `-trace_logs` lines `INVITE <number> <Call-ID> …`. */
function invitesPerNumber(logFile: string): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  const text = existsSync(logFile) ? readFileSync(logFile, 'latin1') : '';
  for (const match of text.matchAll(/^INVITE (\S+) (\S+)/gm)) {
    const [, number, callId] = match;
    if (!calls.has(number)) calls.set(number, new Set());
    calls.get(number)!.add(callId);
  }
  return calls;
}

async function hasRecordingState(stack: PrivateStack): Promise<boolean> {
  return withDatabase(stack.databaseUrl, async (db) => {
    const { rows } = await db.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'call_record' AND column_name = 'recording_state'",
    );
    return rows.length > 0;
  });
}

interface AnsweredRow {
  id: string;
  recording_key: string | null;
  recording_state?: string | null;
}

/** Waits (up to o.settleMs) for no answered row's recording to be pending, when the journal says so. */
async function answeredRows(o: FaultOptions, stack: PrivateStack, id: string): Promise<AnsweredRow[]> {
  const withState = await hasRecordingState(stack);
  const select = `SELECT id, recording_key${withState ? ', recording_state' : ''} FROM call_record
                   WHERE campaign_id = $1 AND outcome = 'answered'`;
  const deadline = performance.now() + o.settleMs;
  for (;;) {
    const rows = await withDatabase(stack.databaseUrl, async (db) => (await db.query<AnsweredRow>(select, [id])).rows);
    const pending = withState ? rows.filter((r) => r.recording_state === 'pending').length : 0;
    if (pending === 0 || performance.now() > deadline) return rows;
    await sleep(1000);
  }
}

/** Answered rows whose recording is not stored or does not download (GET /api/v1/calls/{id}/recording). */
async function missingRecordings(api: BenchApi, rows: readonly AnsweredRow[]): Promise<Record<string, number>> {
  const missing: Record<string, number> = {};
  const count = (why: string) => (missing[why] = (missing[why] ?? 0) + 1);
  const queue = [...rows];
  const downloader = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      if (row.recording_state !== undefined && row.recording_state !== 'stored') {
        count(`recording_state ${row.recording_state ?? 'null'}`);
      } else if (!row.recording_key) {
        count('no recording_key');
      } else {
        // The gateway sends no audio: a stored recording is a WAV of (next to) no samples.
        const got = await api.download(`/api/v1/calls/${row.id}/recording`).catch(() => undefined);
        const wav = got?.body.subarray(0, 4).toString('latin1') === 'RIFF' && got.body.length >= 44;
        if (got?.status !== 200 || !wav) count(`download ${got?.status ?? 'failed'}, ${got?.body.length ?? 0} bytes`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, downloader));
  return missing;
}

async function contactsByNumber(stack: PrivateStack, id: string) {
  return withDatabase(stack.databaseUrl, async (db) => {
    const contacts = await db.query<{ phone_e164: string; state: string; attempts: number }>(
      'SELECT phone_e164, state, attempts FROM campaign_contact WHERE campaign_id = $1',
      [id],
    );
    const failed = await db.query<{ end_reason: string; n: string }>(
      `SELECT end_reason, count(*) AS n FROM call_record
        WHERE campaign_id = $1 AND (outcome = 'failed' OR end_reason ILIKE '%lost%') GROUP BY end_reason`,
      [id],
    );
    return {
      contacts: contacts.rows,
      failedOrLost: Object.fromEntries(failed.rows.map((r) => [r.end_reason, Number(r.n)])),
    };
  });
}

/** One campaign, with the fault schedule beside it or not; prints and returns its counts. */
async function campaignRun(
  o: FaultOptions,
  stack: PrivateStack,
  api: BenchApi,
  run: 'baseline' | 'faults',
  dir: string,
  webhooks: ReadonlySet<string> | undefined,
) {
  const logFile = join(dir, `gateway-${run}.log`);
  const gateway: SippInstance = await startGateway({
    scenario: GATEWAY_LOG,
    calls: o.contacts * 3, // room for double dials: they must be answered to be seen
    timeoutMs: o.deadlineMs + 120_000,
    extraArgs: ['-trace_logs', '-log_file', logFile],
  });
  try {
    const spec: CampaignSpec = {
      tag: `faults-${run}`,
      contacts: o.contacts,
      concurrency: o.concurrency,
      messageMs: o.messageMs,
      record: true,
      firstNumber: run === 'baseline' ? 100_000_000 : 200_000_000,
    };
    const id = await createCampaign(api, gateway, spec);
    const first = o.faults[0];
    if (run === 'faults' && o.firstBeforeStart && first) await stackControl(stack).stop(first);
    let started = performance.now();
    let ended = false;
    let faults: Promise<Error | void> = Promise.resolve();
    const running = runCampaign(api, id, o.deadlineMs, () => {
      started = performance.now();
      if (run === 'faults') {
        // Settles with the error, if any, so that it is reported after the campaign, not as an unhandled rejection.
        faults = injectFaults(
          o,
          api,
          stackControl(stack),
          id,
          () => started,
          () => ended,
        ).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      }
    });
    const result = await running.finally(() => (ended = true));
    const faultError = await faults;
    if (faultError) throw faultError;
    if (!result.completed) {
      print(`  ${run}: NOT COMPLETE after ${result.seconds.toFixed(0)} s (BENCH_DEADLINE_S=${o.deadlineMs / 1000})`);
      await api.request('POST', `/api/v1/campaigns/${id}/cancel`, 200).catch(() => undefined);
    }
    const rows = await answeredRows(o, stack, id);
    process.kill(gateway.pid, 'SIGTERM'); // sipp writes out its log as it quits
    await gateway.exited;
    const invites = invitesPerNumber(logFile);
    const { contacts, failedOrLost } = await contactsByNumber(stack, id);
    const states: Record<string, number> = {};
    for (const c of contacts) states[c.state] = (states[c.state] ?? 0) + 1;
    const notFinal = openContacts(states);
    const final = (state: string) => state === 'done' || state === 'cancelled';
    const neverInvited = contacts.filter((c) => final(c.state) && !invites.has(c.phone_e164));
    const doubleDials = [...invites.values()].reduce((sum, calls) => sum + Math.max(0, calls.size - 1), 0);
    const listed = new Set(campaignNumbers(spec));
    const strangers = [...invites.keys()].filter((n) => !listed.has(n)).length;
    const missing = await missingRecordings(api, rows);
    const webhooksMissing = webhooks ? await missingWebhooks(rows, webhooks, o.settleMs) : 0;
    const verdict: Verdict = {
      completed: result.completed,
      seconds: result.seconds,
      lost: notFinal + neverInvited.length,
      doubleDials,
      recordingsMissing: Object.values(missing).reduce((a, b) => a + b, 0),
      webhooksMissing,
      failedOrLostRows: Object.values(failedOrLost).reduce((a, b) => a + b, 0),
    };
    const totalInvites = [...invites.values()].reduce((sum, calls) => sum + calls.size, 0);
    print(
      `  ${run}: ${result.completed ? 'completed' : 'NOT complete'} in ${result.seconds.toFixed(1)} s; ` +
        `outcomes ${describeCounts(result.detail?.progress.outcomes ?? {})}; contacts ${describeCounts(states)}; ` +
        `${totalInvites} INVITEs to ${invites.size} numbers${strangers ? ` (${strangers} not in the list)` : ''}; ` +
        `${result.failedPolls} failed API polls`,
    );
    print(
      `    contacts lost: ${verdict.lost} (${notFinal} not final, ${neverInvited.length} final without an INVITE); ` +
        `double dials: ${doubleDials}; recordings missing: ${verdict.recordingsMissing} of ${rows.length} answered` +
        `${verdict.recordingsMissing ? ` (${describeCounts(missing)})` : ''}; call.completed webhooks missing: ${webhooksMissing}; ` +
        `failed/lost journal rows: ${verdict.failedOrLostRows}` +
        `${verdict.failedOrLostRows ? ` (${describeCounts(failedOrLost)})` : ''}`,
    );
    return verdict;
  } finally {
    await gateway.stop();
  }
}

export interface FaultReport {
  readonly baseline: Verdict | undefined;
  readonly faults: Verdict;
  /**
   * Call attempts whose activity ran out of tries (an outage longer than its back-off) and
   * were given back by releaseAttempt: the worker's log lines of campaign.workflow.ts.
   */
  readonly attemptsGivenBack: number;
  /** Services that died by themselves. */
  readonly crashed: readonly string[];
  /** Verdicts with a problem, plus crashes: 0 when the campaign came through whole. */
  readonly problems: number;
}

/**
 * A restartable private stack, a fault-free run (unless `baseline` is false) and a run with
 * the faults, printed as they go; the stack is gone when it resolves.
 */
export async function runFaultBench(o: FaultOptions, baselineRun = true): Promise<FaultReport> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-faults-'));
  chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
  const supervisor = new Supervisor();
  const killAll = () => supervisor.killAll();
  process.once('exit', killAll);
  // Ctrl-C or a kill: Node exits on these without 'exit' listeners, which would orphan the stack.
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  try {
    const rtpMin = 40_000 + 2000 * Math.floor(Math.random() * 10);
    const stack = await startPrivateStack(dir, supervisor, {
      worker: true,
      restartable: true,
      env: { ...o.stackEnv, RTP_PORT_MIN: String(rtpMin), RTP_PORT_MAX: String(rtpMin + 1999) },
    });
    const ctl = stackControl(stack);
    print(
      `fault benchmark: ${o.contacts} contacts, ${o.messageMs / 1000} s message, recorded, ${o.concurrency} in flight, one attempt each, ` +
        `sipp gateway answering at once; faults: ${o.faults.join(', ')} ${o.crash ? 'crashed' : 'stopped'} for ${o.outageMs / 1000} s each ` +
        `(${o.gapMs / 1000} s apart); ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`,
    );
    const api = await BenchApi.login(stack);
    receiver = await startReceiver();
    if (o.webhooks !== false) {
      await api.request('POST', '/api/v1/webhooks', 201, { url: receiver.url, events: ['call.completed'] });
    }
    const hooks = o.webhooks === false ? undefined : receiver.completed;
    const baseline = baselineRun ? await campaignRun(o, stack, api, 'baseline', dir, hooks) : undefined;
    const faults = await campaignRun(o, stack, api, 'faults', dir, hooks);
    const crashed = ctl.crashed();
    const attemptsGivenBack = countLines(join(stack.logsDir, 'worker.log'), GIVEN_BACK);
    const outages = (o.faults.length * o.outageMs) / 1000;
    print('');
    print(
      '  run      | complete | wall s | contacts lost | double dials | recordings missing | webhooks missing | failed/lost rows',
    );
    for (const [name, v] of [
      ['baseline', baseline],
      ['faults', faults],
    ] as const) {
      if (!v) continue;
      print(
        `  ${name.padEnd(8)} | ${(v.completed ? 'yes' : 'NO').padEnd(8)} | ${v.seconds.toFixed(1).padStart(6)} | ` +
          `${String(v.lost).padStart(13)} | ${String(v.doubleDials).padStart(12)} | ${String(v.recordingsMissing).padStart(18)} | ` +
          `${String(v.webhooksMissing).padStart(16)} | ` +
          `${String(v.failedOrLostRows).padStart(16)}`,
      );
    }
    if (baseline) {
      const extra = faults.seconds - baseline.seconds;
      print(
        `  extra wall time of the faults: ${extra.toFixed(1)} s (${outages} s of outage in all; ` +
          `${(extra - outages).toFixed(1)} s beyond the outages themselves)`,
      );
    }
    print(`  processes that died by themselves: ${crashed.length === 0 ? 'none' : crashed.join('; ')}`);
    print(`  access token renewed ${api.renewals} time(s)`);
    print(`  call attempts out of tries, given back: ${attemptsGivenBack}`);
    const problemCount = (baseline ? problems(baseline) : 0) + problems(faults) + crashed.length;
    return { baseline, faults, attemptsGivenBack, crashed, problems: problemCount };
  } finally {
    await supervisor.stopAll();
    await receiver?.close();
    process.removeListener('exit', killAll);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const report = await runFaultBench(faultOptionsFromEnv());
  if (report.problems > 0) {
    process.stderr.write(
      'bench-faults: contacts lost, double dials, recordings missing or runs incomplete (see above)\n',
    );
    process.exitCode = 1;
  }
}

// Run as `make bench-faults`; imported by the fault test, it runs nothing by itself.
if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench-faults failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
