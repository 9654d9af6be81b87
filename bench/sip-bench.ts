/**
 * `make bench-sip`: what the telephony engine sustains on this machine, against sipp on
 * 127.0.0.1. Prints figures; asserts nothing (targets are for people to read, not for CI).
 *
 * (a) Calls per second for BENCH_CPS_SECONDS (default 30) against a sipp gateway that
 *     answers and hangs up at once (bench/sipp/uas-answer-hangup.xml), with up to
 *     BENCH_CPS_CONCURRENCY (default 50) calls in flight; then sipp's own caller
 *     (bench/sipp/uac-remote-bye.xml, same concurrency limit) against a fresh gateway of the
 *     same scenario; the ratio of the two. Also: open handles before and after the thousands
 *     of calls, once sip.js's transaction timers (Timer D/K, up to 32 s) have run out: a leak
 *     shows as a difference.
 * (b) BENCH_CALLS (default 100,500,1000) simultaneous calls, each playing a 10 s message to
 *     a sipp gateway (test/sipp/uas-answer.xml), placed at BENCH_RAMP_CPS (default 200) per
 *     second — sipp's 64 KB socket buffer drops a burst of a few hundred INVITEs at once —
 *     so that all 1,000 are live together from 5 s to 10 s: the interval between consecutive RTP packets
 *     of each call as tcpdump timestamps them on the wire, its deviation from 20 ms (p50, p99,
 *     max), and this process's CPU (share of one core over the run) and peak RSS.
 *     The pacer runs as the worker's does (RTP_PACER_CLOCK, default thread; RTP_PACER_PHASES,
 *     default 4; RTP_MEDIA_THREADS, default 1); BENCH_PACER_CLOCK=timers, BENCH_PACER_PHASES and
 *     BENCH_MEDIA_THREADS (0: RTP in the main thread) set others to compare.
 *     BENCH_RTP_ECHO=1: the gateway sends every packet back (sipp -rtp_echo), so that our
 *     process also receives, decodes and records 50 packets a second per call, as from a
 *     real callee; by default the gateway sends no RTP.
 *     BENCH_AMD=1: what answering-machine detection costs. Each size runs without and with
 *     detection (`detect` mode, the message after the verdict), BENCH_AMD_ROUNDS times
 *     (default 2) in alternating order, each run in a process of its own; the gateway plays
 *     speech from the answer in both (sipp's g711a.pcap, 7 s, test/sipp/uas-answer-play.xml;
 *     BENCH_RTP_ECHO is ignored: an echo carries nothing before our message starts, which is
 *     all detection listens to). Printed: both runs' CPU as part (b) reports it (share of one
 *     core over the run; the issue's target: a change ≤ 5 %) and as CPU time per call, which
 *     also counts the calls lasting longer by the time to the verdict.
 * Each part runs in a process of its own, started one after the other: part (b)'s RSS and
 * timing must not carry part (a)'s calls (sip.js keeps each call's INVITE transaction for
 * 32 s, a gigabyte of heap at full speed, which V8 would be compacting in the background).
 * (p) The cost of parsing one SIP message with sip.js's grammar alone and with our parser in
 *     front of it (bench/sip-parse.ts).
 * BENCH_PARTS (default p,a,b) runs only some parts: BENCH_PARTS=a measures calls per second alone.
 * BENCH_SIP_PARSER=grammar parses SIP with sip.js's grammar alone (no telephony/sip/fast-grammar.ts), to compare.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RTP_MEDIA_THREADS, DEFAULT_RTP_PACER } from '../lib/config.js';
import { repoRoot } from '../scripts/services/paths.js';
import { startSippUac, startSippUas, type SippInstance } from '../scripts/services/sipp.js';
import type { CallResult, TrunkConfig } from '../telephony/call-types.js';
import { TelephonyEngine } from '../telephony/engine.js';
import { installFastGrammar } from '../telephony/sip/fast-grammar.js';
import { sineWave } from '../telephony/media/tone.js';
import { intervalJitter, startCapture } from './rtp-capture.js';
import { parseCost } from './sip-parse.js';
import { BENCH_DETECTION, detectionCost, median, verdicts, type RunCost } from './sip-amd-cost.js';

const CPS_SECONDS = Number(process.env.BENCH_CPS_SECONDS ?? 30);
const CPS_CONCURRENCY = Number(process.env.BENCH_CPS_CONCURRENCY ?? 50);
const CALLS = (process.env.BENCH_CALLS ?? '100,500,1000').split(',').map(Number);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'p,a,b').split(','));
const RAMP_CPS = Number(process.env.BENCH_RAMP_CPS ?? 200);
/** The pacer's clock and phases; unset = the worker's defaults. */
const PACER = {
  clock: process.env.BENCH_PACER_CLOCK === 'timers' ? 'timers' : DEFAULT_RTP_PACER.clock,
  phases: Number(process.env.BENCH_PACER_PHASES ?? DEFAULT_RTP_PACER.phases),
} as const;
const SIP_PARSER = process.env.BENCH_SIP_PARSER ?? 'fast';
/** BENCH_AMD=1: part (b) without and with answering-machine detection; BENCH_AMD_RUN is the child's half. */
const AMD = process.env.BENCH_AMD === '1';
const AMD_RUN = process.env.BENCH_AMD_RUN;
const RTP_ECHO = process.env.BENCH_RTP_ECHO === '1' && !AMD;
/** Media threads carrying the RTP; unset = the worker's default. */
const MEDIA_THREADS = Number(process.env.BENCH_MEDIA_THREADS ?? DEFAULT_RTP_MEDIA_THREADS);
const MESSAGE_MS = 10_000;
const workDir = mkdtempSync(join(tmpdir(), 'voicecast-bench-sip-'));
const gatewayScenario = join(repoRoot(), 'bench', 'sipp', 'uas-answer-hangup.xml');
const callerScenario = join(repoRoot(), 'bench', 'sipp', 'uac-remote-bye.xml');

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function trunk(sipp: SippInstance, id: string): TrunkConfig {
  return { id, host: '127.0.0.1', port: sipp.port, transport: 'udp', callerId: { number: '100' }, register: false };
}

function engine(): TelephonyEngine {
  return new TelephonyEngine({
    bindAddress: '127.0.0.1',
    rtpPorts: { min: 30000, max: 33999 },
    pacer: PACER,
    mediaThreads: MEDIA_THREADS,
  });
}

function resources(): { text: string; count: number } {
  const kinds = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return { text: [...counts].map(([kind, n]) => `${kind}×${n}`).join(' '), count: kinds.length };
}

/** Waits until no more resources are active than `count` (or `limitMs`); returns the time waited. */
async function settle(count: number, limitMs: number): Promise<number> {
  const started = performance.now();
  while (resources().count > count && performance.now() - started < limitMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return performance.now() - started;
}

/** CPU time (user + system, all threads) per call: steadier than calls per second on a busy machine. */
function cpuPerCall(start: NodeJS.CpuUsage, calls: number): string {
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / 1000 / calls).toFixed(2);
}

function cpuShare(start: NodeJS.CpuUsage, wallMs: number): string {
  const used = process.cpuUsage(start);
  return `${(((used.user + used.system) / 1000 / wallMs) * 100).toFixed(0)} %`;
}

/** User + system CPU time of another process so far, from /proc (clock ticks of 10 ms: USER_HZ is 100 on Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU time the hypervisor gave to other guests while this VM wanted it ("steal", both vCPUs
 * summed), in ms from /proc/stat (USER_HZ ticks of 10 ms); undefined where there is none.
 */
function hostStealMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/);
    return fields.length > 8 ? Number(fields[8]) * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** The gateway of part (a), the same for our engine and for sipp's caller: answers and hangs up at once, no call limit. */
function startCpsGateway(): Promise<SippInstance> {
  return startSippUas({
    scenario: gatewayScenario,
    transport: 'udp',
    quiet: true,
    calls: 10_000_000,
    ringMs: 0,
    timeoutMs: (CPS_SECONDS + 120) * 1000,
  });
}

async function ourCps(): Promise<number> {
  const sipp = await startCpsGateway();
  const calls = engine();
  const message = sineWave({ frequency: 1000, durationMs: 1000 });
  const call = () =>
    calls.dial({
      trunk: trunk(sipp, 'bench'),
      destination: '1',
      audio: message,
      ringTimeoutMs: 5000,
      maxCallMs: 5000,
      record: false,
    });
  const outcomes = new Map<string, number>();
  const count = (result: CallResult) => {
    const key =
      result.outcome === 'answered' && result.hungUpBy === 'them' ? 'ok' : `${result.outcome}/${result.endReason}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  };
  try {
    // One warm-up call creates the user agent and its socket, so the leak check compares like with like.
    count(await call());
    const before = resources();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const end = started + CPS_SECONDS * 1000;
    let completedInWindow = 0;
    let completed = 0;
    await Promise.all(
      Array.from({ length: CPS_CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const result = await call();
          count(result);
          completed += 1;
          if (performance.now() <= end) completedInWindow += 1;
        }
      }),
    );
    const wall = performance.now() - started;
    const ok = outcomes.get('ok') ?? 0;
    const cps = completedInWindow / CPS_SECONDS;
    await new Promise((resolve) => setTimeout(resolve, 100));
    print(
      `  engine: ${cps.toFixed(0)} calls/s (${completedInWindow} calls in ${CPS_SECONDS} s, ${CPS_CONCURRENCY} in flight), CPU ${cpuShare(cpu, wall)} of one core, ${cpuPerCall(cpu, completed)} ms CPU per call`,
    );
    print(
      `          outcomes: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')} (ok = answered, gateway hung up)`,
    );
    print(`          handles before: ${before.text}`);
    const settled = await settle(before.count, 40_000);
    print(`          handles after:  ${resources().text} (${(settled / 1000).toFixed(1)} s after the last call)`);
    if (ok === 0) throw new Error(`no call succeeded\n${sipp.diagnostics()}`);
    return cps;
  } finally {
    await calls.close();
    await sipp.stop();
  }
}

async function sippCps(): Promise<number> {
  const gateway = await startCpsGateway();
  const statFile = join(workDir, 'uac-stat.csv');
  const caller = await startSippUac({
    scenario: callerScenario,
    transport: 'udp',
    quiet: true,
    remote: { host: '127.0.0.1', port: gateway.port },
    calls: 10_000_000,
    durationMs: 0,
    timeoutMs: (CPS_SECONDS + 120) * 1000,
    extraArgs: ['-r', '50000', '-l', String(CPS_CONCURRENCY), '-trace_stat', '-stf', statFile, '-fd', '1'],
  });
  try {
    // sipp writes a statistics row every second; read the one at the end of the window.
    const cpuBefore = processCpuMs(caller.pid);
    await new Promise((resolve) => setTimeout(resolve, CPS_SECONDS * 1000 + 500));
    const cpuMs = processCpuMs(caller.pid) - cpuBefore;
    const rows = readFileSync(statFile, 'latin1').trim().split('\n');
    const header = rows[0].split(';');
    const last = rows.at(-1)!.split(';');
    const column = (name: string) => last[header.indexOf(name)];
    const elapsed = column('ElapsedTime(C)')
      .split(':')
      .reduce((total, part) => total * 60 + Number(part), 0);
    const successful = Number(column('SuccessfulCall(C)'));
    const failed = Number(column('FailedCall(C)'));
    const cps = successful / elapsed;
    print(
      `  sipp:   ${cps.toFixed(0)} calls/s (${successful} successful, ${failed} failed in ${elapsed} s, ${CPS_CONCURRENCY} in flight), ` +
        `CPU ${((cpuMs / (CPS_SECONDS * 1000 + 500)) * 100).toFixed(0)} % of one core, ${(cpuMs / successful).toFixed(3)} ms CPU per call`,
    );
    return cps;
  } finally {
    await caller.stop();
    await gateway.stop();
  }
}

async function simultaneous(n: number, detection: boolean): Promise<RunCost> {
  const sipp = await startSippUas({
    scenario: AMD ? 'uas-answer-play' : 'uas-answer',
    transport: 'udp',
    quiet: true,
    calls: n,
    ringMs: 0,
    timeoutMs: 120_000,
    ...(RTP_ECHO ? { extraArgs: ['-rtp_echo'] } : {}),
  });
  (globalThis as { gc?: () => void }).gc?.(); // start from the live heap, not the previous run's garbage
  const baseRss = process.memoryUsage().rss;
  const capture = await startCapture(sipp.mediaPort, join(workDir, `rtp-${n}.pcap`));
  const calls = engine();
  const message = sineWave({ frequency: 1000, durationMs: MESSAGE_MS });
  let peakRss = process.memoryUsage().rss;
  const steal: { at: number; ms: number | undefined }[] = [];
  // sipp exits after its last call, maybe before our results are in: its CPU is sampled as we go.
  const peers = { sipp: new CpuSampler(sipp.pid), tcpdump: new CpuSampler(capture.pid) };
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    steal.push({ at: Date.now(), ms: hostStealMs() });
    peers.sipp.sample();
    peers.tcpdump.sample();
  }, 100);
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * 1000) / RAMP_CPS));
        return calls.dial({
          trunk: trunk(sipp, `bench-${n}`),
          destination: '1',
          audio: message,
          ringTimeoutMs: 30_000,
          maxCallMs: MESSAGE_MS + 10_000,
          record: true,
          ...(detection ? { machineDetection: BENCH_DETECTION } : {}),
        });
      }),
    );
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuText = cpuShare(cpu, wall);
    clearInterval(sampler);
    const peersText = `sipp ${peers.sipp.share(wall)}, tcpdump ${peers.tcpdump.share(wall)}`;
    const { streams, droppedByKernel } = await capture.stop();
    const answered = results.filter((r) => r.outcome === 'answered' && r.endReason === 'message played').length;
    const others = new Map<string, number>();
    for (const r of results) {
      if (r.outcome === 'answered' && r.endReason === 'message played') continue;
      const key = `${r.outcome}/${r.endReason}`;
      others.set(key, (others.get(key) ?? 0) + 1);
    }
    if (others.size)
      print(
        `  ${String(n).padStart(5)} calls: not played in full: ${[...others].map(([k, c]) => `${k} ${c}`).join(', ')}`,
      );
    const packets = [...streams.values()].reduce((sum, times) => sum + times.length, 0);
    const received = results.reduce((sum, r) => sum + (r.rtp?.packetsReceived ?? 0), 0);
    const jitter = intervalJitter(streams);
    // Steady state: every call answered, none ended yet (no SIP work on the event loop).
    const steady = {
      from: Math.max(...results.map((r) => r.times.answer?.getTime() ?? 0)) + 100,
      to: Math.min(...results.map((r) => r.times.end.getTime())) - 100,
    };
    const calm = intervalJitter(streams, 20, steady);
    const figures = (j: typeof jitter) =>
      `p50 ${j.p50.toFixed(3)}, p99 ${j.p99.toFixed(3)}, max ${j.max.toFixed(3)} ms`;
    print(
      `  ${String(n).padStart(5)} calls: ${answered} played in full; ${packets} RTP packets on the wire ` +
        `(expected ${n * (MESSAGE_MS / 20)}, kernel drops ${droppedByKernel}), ${received} received back; ` +
        `CPU ${cpuText} of one core ` +
        `over ${(wall / 1000).toFixed(1)} s (on the same machine: ${peersText}); RSS ${(baseRss / 2 ** 20).toFixed(0)} MB before, peak ${(peakRss / 2 ** 20).toFixed(0)} MB`,
    );
    print(
      `         interval deviation from 20 ms, whole run (set-up at ${RAMP_CPS} calls/s included): ${figures(jitter)}`,
    );
    print(
      `         only while all ${n} calls are up (${((steady.to - steady.from) / 1000).toFixed(1)} s, ${calm.intervals} intervals): ${figures(calm)}` +
        stolenDuring(steal, steady),
    );
    if (detection) print(`         answering-machine detection: ${verdicts(results)}`);
    const decisions = results.flatMap((r) => (r.machineDetection ? [r.machineDetection.decisionMs] : []));
    return {
      cpuMs: (used.user + used.system) / 1000,
      wallMs: wall,
      ...(decisions.length ? { decisionMs: median(decisions) } : {}),
    };
  } finally {
    clearInterval(sampler);
    await calls.close();
    await sipp.stop();
    await capture.stop(); // already stopped unless something above threw: tcpdump must not outlive the run
  }
}

/** Another process's CPU time from its first sample to its last (taken while it still runs). */
class CpuSampler {
  private readonly first: number | undefined;
  private last: number | undefined;

  constructor(private readonly pid: number) {
    this.first = this.read();
    this.last = this.first;
  }

  sample(): void {
    this.last = this.read() ?? this.last;
  }

  /** Its CPU as a share of one core over `wallMs`. */
  share(wallMs: number): string {
    this.sample();
    if (this.first === undefined || this.last === undefined) return 'unknown';
    return `${(((this.last - this.first) / wallMs) * 100).toFixed(0)} %`;
  }

  private read(): number | undefined {
    try {
      return processCpuMs(this.pid);
    } catch {
      return undefined; // exited
    }
  }
}

/** "; host steal …": the hypervisor's steal time between the samples around `window`, if the kernel reports it. */
function stolenDuring(
  samples: readonly { at: number; ms: number | undefined }[],
  window: { readonly from: number; readonly to: number },
): string {
  const before = samples.filter((sample) => sample.at <= window.from).at(-1);
  const after = samples.find((sample) => sample.at >= window.to);
  if (before?.ms === undefined || after?.ms === undefined) return '';
  return `; host steal ${after.ms - before.ms} ms of CPU in ${((after.at - before.at) / 1000).toFixed(1)} s`;
}

/**
 * How often this machine takes the CPU away from a process that never yields: a busy loop
 * reading the clock for `ms`, counting gaps of over 0.5 ms between readings. On a VM these
 * are the host's preemptions; every tick that falls into one is late for all its calls, so
 * they put a floor under part (b)'s p99 whatever the pacer does.
 */
function schedulingGaps(ms: number): string {
  const gaps: number[] = [];
  const end = performance.now() + ms;
  let previous = performance.now();
  for (let now = previous; now < end; now = performance.now()) {
    if (now - previous > 0.5) gaps.push(now - previous);
    previous = now;
  }
  gaps.sort((a, b) => b - a);
  const total = gaps.reduce((sum, gap) => sum + gap, 0);
  return (
    `${gaps.length} gaps over 0.5 ms in ${ms / 1000} s of a busy loop (${total.toFixed(1)} ms in all` +
    `${
      gaps.length
        ? `, largest ${gaps
            .slice(0, 3)
            .map((gap) => gap.toFixed(1))
            .join(', ')} ms`
        : ''
    })`
  );
}

/** Runs this benchmark again with only `part`, in a new process, and waits for it (its output goes to ours). */
function partInOwnProcess(part: string, env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]], {
      env: { ...process.env, ...env, BENCH_PARTS: part, BENCH_SIP_CHILD: '1' },
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`part (${part}) exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  installFastGrammar(SIP_PARSER !== 'grammar');
  if (!process.env.BENCH_SIP_CHILD) {
    print(
      `SIP benchmark: Node ${process.version}, ${availableParallelism()} CPUs, 127.0.0.1, sipp from Debian sip-tester, SIP parser: ${SIP_PARSER}`,
    );
  }
  if (PARTS.size > 1) {
    for (const part of ['p', 'a', 'b']) if (PARTS.has(part)) await partInOwnProcess(part);
    return;
  }
  if (PARTS.has('p')) {
    const cost = parseCost(SIP_PARSER !== 'grammar');
    print(`(p) parsing one SIP message (sip.js Parser.parseMessage, ${cost.messages} messages captured from sipp)`);
    print(
      `  grammar alone ${cost.grammarUs.toFixed(1)} µs, fast parser first ${cost.fastUs.toFixed(1)} µs ` +
        `(${(cost.grammarUs / cost.fastUs).toFixed(1)}× less)`,
    );
  }
  if (PARTS.has('a')) {
    print(`(a) calls per second over ${CPS_SECONDS} s, gateway answers and hangs up at once`);
    const ours = await ourCps();
    const theirs = await sippCps();
    print(`  ratio engine / sipp: ${(ours / theirs).toFixed(2)} (target ≥ 0.5)`);
  }
  if (!PARTS.has('b')) return;
  if (AMD && AMD_RUN === undefined) return detectionCost(CALLS, workDir, (env) => partInOwnProcess('b', env), print);
  print(
    `(b) simultaneous calls, each playing a ${MESSAGE_MS / 1000} s message (target: 1,000 with p99 ≤ 2 ms); ` +
      `pacer: ${PACER.clock === 'thread' ? 'clock thread' : "Node's timers"}, ${PACER.phases} phases per frame; ` +
      `RTP ${MEDIA_THREADS ? `in ${MEDIA_THREADS} media thread${MEDIA_THREADS > 1 ? 's' : ''}` : 'in the main thread'}`,
  );
  print(`  host scheduling before the runs: ${schedulingGaps(5000)}`);
  const detection = AMD_RUN === 'on';
  if (AMD) print(`  answering-machine detection ${detection ? 'on' : 'off'}; the gateway plays speech from the answer`);
  for (const n of CALLS) {
    const cost = await simultaneous(n, detection);
    if (process.env.BENCH_AMD_RESULT) writeFileSync(process.env.BENCH_AMD_RESULT, JSON.stringify(cost));
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(workDir, { recursive: true, force: true }));
