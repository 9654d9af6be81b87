/**
 * `make bench-amd`: our answering-machine detector and the Asterisk-AMD() baseline (its
 * documented behaviour, telephony/amd/asterisk-baseline.ts) on the labelled offline set
 * (bench/amd/clip-set.ts: 1,000 clips, fixed seed). Prints, per part (dev = espeak-ng
 * voices it was tuned on; held-out = flite, festival and recorded prompts), a confusion
 * matrix and the targets, then the CPU the detector costs per call. The last line
 * sums up the held-out part for scripts. BENCH_AMD_CLIPS and BENCH_AMD_SEED change the set;
 * BENCH_AMD_SETTINGS (JSON, e.g. `{"afterGreetingSilenceMs":2000}`) the detector's settings.
 */
import { performance } from 'node:perf_hooks';
import { AmdDetector, type AmdMessageEnd, type AmdSettings, type AmdVerdict } from '../telephony/amd/amd-detector';
import { asteriskAmd } from '../telephony/amd/asterisk-baseline';
import { buildClipSet, type Clip, type Part } from './amd/clip-set';

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface Scored {
  readonly clip: Clip;
  readonly verdict: AmdVerdict | null;
  readonly end: AmdMessageEnd | null;
  /** Whether the beep detector alone, listening through the whole clip, found a beep. */
  readonly beepHeard: boolean;
  readonly baseline: 'human' | 'machine' | 'unknown';
  readonly baselineAtMs: number;
}

const settings = JSON.parse(process.env.BENCH_AMD_SETTINGS ?? '{}') as Partial<AmdSettings>;
let detectorMs = 0;
let audioMs = 0;

function detect(clip: Clip): { verdict: AmdVerdict | null; end: AmdMessageEnd | null } {
  const started = performance.now();
  const detector = new AmdDetector(settings);
  for (let f = 0; f * 160 < clip.pcm.length; f += 1) {
    if (clip.lostFrames.has(f)) detector.lost();
    else detector.write(clip.pcm.subarray(f * 160, (f + 1) * 160));
    // As a call in detect_message_end mode: after a human verdict it listens on for a late
    // beep (lateBeepMs), which restarts the message after it.
    if (!detector.listening) break;
  }
  detectorMs += performance.now() - started;
  audioMs += detector.elapsedMs;
  return { verdict: detector.verdict, end: detector.messageEnd };
}

/**
 * The beep detector alone: the same detector fed the whole clip, past a human verdict
 * and past the late-beep limit (where a call stops listening). Tells a beep missed by the
 * tone detector from one the call never listened for; not timed, not in the figures a call
 * is judged by.
 */
function beepHeard(clip: Clip): boolean {
  const detector = new AmdDetector({ ...settings, lateBeepMs: Infinity, maxWaitMs: Infinity });
  for (let f = 0; f * 160 < clip.pcm.length && !detector.messageEnd; f += 1) {
    if (clip.lostFrames.has(f)) detector.lost();
    else detector.write(clip.pcm.subarray(f * 160, (f + 1) * 160));
  }
  return detector.messageEnd?.cause === 'beep';
}

function score(clip: Clip): Scored {
  const { verdict, end } = detect(clip);
  const base = asteriskAmd(clip.pcm, undefined, clip.lostFrames);
  const baseline = base.status === 'HUMAN' ? 'human' : base.status === 'MACHINE' ? 'machine' : 'unknown';
  return { clip, verdict, end, beepHeard: beepHeard(clip), baseline, baselineAtMs: base.atMs };
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const pct = (n: number, d: number): string => (d === 0 ? '  n/a' : `${((100 * n) / d).toFixed(1)} %`);
const sec = (ms: number): string => (Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);

interface Summary {
  humanAsMachine: number;
  machineAsHuman: number;
  unknown: number;
  beepRecall: number;
  humanP50: number;
  humanP95: number;
  machineP95: number;
  balancedAccuracy: number;
}

function summarise(
  label: string,
  rows: Scored[],
  verdictOf: (s: Scored) => string,
  atOf: (s: Scored) => number,
): Summary {
  const classes = ['human', 'machine', 'unknown'];
  const expected = (s: Scored): string => s.clip.expected;
  print(`  ${label}: confusion (rows expected, columns verdict)`);
  print(`    ${'expected'.padEnd(9)} ${classes.map((c) => c.padStart(8)).join(' ')}`);
  for (const e of classes) {
    const row = rows.filter((s) => expected(s) === e);
    print(
      `    ${e.padEnd(9)} ${classes.map((c) => String(row.filter((s) => verdictOf(s) === c).length).padStart(8)).join(' ')}`,
    );
  }
  const humans = rows.filter((s) => s.clip.expected === 'human');
  const machines = rows.filter((s) => s.clip.expected === 'machine');
  const both = [...humans, ...machines];
  const humanAsMachine = humans.filter((s) => verdictOf(s) === 'machine').length / Math.max(humans.length, 1);
  const machineAsHuman = machines.filter((s) => verdictOf(s) === 'human').length / Math.max(machines.length, 1);
  const unknown = both.filter((s) => verdictOf(s) === 'unknown').length / Math.max(both.length, 1);
  const humanDelays = humans
    .filter((s) => verdictOf(s) === 'human')
    .map((s) => atOf(s) - (s.clip.firstUtteranceEndMs ?? 0));
  const machineTimes = machines.filter((s) => verdictOf(s) === 'machine').map(atOf);
  const humanRecall = humans.filter((s) => verdictOf(s) === 'human').length / Math.max(humans.length, 1);
  const machineRecall = machines.filter((s) => verdictOf(s) === 'machine').length / Math.max(machines.length, 1);
  const beeps = rows.filter((s) => s.clip.beepEndMs !== undefined);
  const beepRecall = beeps.filter((s) => s.end?.cause === 'beep').length / Math.max(beeps.length, 1);
  return {
    humanAsMachine,
    machineAsHuman,
    unknown,
    beepRecall,
    humanP50: quantile(humanDelays, 0.5),
    humanP95: quantile(humanDelays, 0.95),
    machineP95: quantile(machineTimes, 0.95),
    balancedAccuracy: (humanRecall + machineRecall) / 2,
  };
}

function report(part: Part, rows: Scored[]): Summary {
  print(
    `\n${part}: ${rows.length} clips (${rows.filter((s) => s.clip.expected === 'human').length} human, ${rows.filter((s) => s.clip.expected === 'machine').length} machine, ${rows.filter((s) => s.clip.expected === 'unknown').length} silence)`,
  );
  const ours = summarise(
    'Voicecast detector',
    rows,
    (s) => s.verdict?.verdict ?? 'unknown',
    (s) => s.verdict?.atMs ?? NaN,
  );
  const base = summarise(
    'Asterisk AMD() baseline (documented defaults)',
    rows,
    (s) => s.baseline,
    (s) => s.baselineAtMs,
  );
  const beeps = rows.filter((s) => s.clip.beepEndMs !== undefined);
  const noBeep = rows.filter((s) => s.clip.beepEndMs === undefined);
  const falseBeeps = noBeep.filter((s) => s.end?.cause === 'beep').length;
  const startAfterBeep = beeps.filter((s) => s.end?.cause === 'beep').map((s) => s.end!.atMs - s.clip.beepEndMs!);
  const noBeepMachines = rows.filter((s) => s.clip.kind === 'machine_no_beep' && s.end);
  const startAfterGreeting = noBeepMachines.map((s) => s.end!.atMs - s.clip.greetingEndMs!);
  print('  figure                              | target     | Voicecast | Asterisk baseline');
  const line = (name: string, target: string, a: string, b: string): void =>
    print(`  ${name.padEnd(35)} | ${target.padEnd(10)} | ${a.padStart(9)} | ${b}`);
  line('humans classified machine', '<= 2 %', pct(ours.humanAsMachine, 1), pct(base.humanAsMachine, 1));
  line('machines classified human', '<= 8 %', pct(ours.machineAsHuman, 1), pct(base.machineAsHuman, 1));
  line('unknown (human and machine clips)', '<= 5 %', pct(ours.unknown, 1), pct(base.unknown, 1));
  line('balanced accuracy', '>= base+5', pct(ours.balancedAccuracy, 1), pct(base.balancedAccuracy, 1));
  line('human verdict after 1st utterance p50', '<= 0.8 s', sec(ours.humanP50), sec(base.humanP50));
  line('human verdict after 1st utterance p95', '<= 1.5 s', sec(ours.humanP95), sec(base.humanP95));
  line('machine verdict after answer p95', '<= 4 s', sec(ours.machineP95), sec(base.machineP95));
  line('beeps detected', '>= 98 %', pct(ours.beepRecall, 1), '(no beep detection)');
  line('false beeps (clips without a beep)', '<= 1 %', pct(falseBeeps, noBeep.length), '');
  line('  beep detector alone: beeps found', '', pct(beeps.filter((s) => s.beepHeard).length, beeps.length), '');
  line('  beep detector alone: false beeps', '', pct(noBeep.filter((s) => s.beepHeard).length, noBeep.length), '');
  const late = rows.filter((s) => s.verdict?.verdict === 'human' && s.end?.cause === 'beep');
  line('  of these after a human verdict', '', pct(late.length, beeps.length), '(message started again)');
  line('message start after beep end p95', '<= 0.8 s', sec(quantile(startAfterBeep, 0.95)), '');
  line('message start after greeting (no beep) p95', '<= 1.5 s', sec(quantile(startAfterGreeting, 0.95)), '');
  return ours;
}

function main(): void {
  const count = Number(process.env.BENCH_AMD_CLIPS ?? 1000);
  const seed = Number(process.env.BENCH_AMD_SEED ?? 20261206);
  const built = performance.now();
  const clips = buildClipSet(seed, count);
  print(
    `amd benchmark: ${clips.length} clips, seed ${seed}, built in ${((performance.now() - built) / 1000).toFixed(1)} s`,
  );
  const scored = clips.map(score);
  if (process.env.BENCH_AMD_VERBOSE) {
    for (const s of scored.filter(
      (x) =>
        (x.verdict?.verdict ?? 'unknown') !== x.clip.expected ||
        (x.clip.beepEndMs !== undefined && x.end?.cause !== 'beep'),
    )) {
      print(
        `  miss #${s.clip.id} ${s.clip.part} ${s.clip.kind} ${s.clip.description}: ${JSON.stringify(s.verdict)} end ${JSON.stringify(s.end)} labels utt ${s.clip.firstUtteranceEndMs?.toFixed(0)} greeting ${s.clip.greetingEndMs?.toFixed(0)} beep ${s.clip.beepEndMs?.toFixed(0)}`,
      );
    }
  }
  report(
    'dev',
    scored.filter((s) => s.clip.part === 'dev'),
  );
  const held = report(
    'held-out',
    scored.filter((s) => s.clip.part === 'held-out'),
  );
  const perCallPercent = (100 * detectorMs) / audioMs;
  print(
    `\ncost: ${(detectorMs / (audioMs / 1000)).toFixed(2)} ms CPU per second of call audio = ${perCallPercent.toFixed(3)} % of a core per call; 1,000 calls: ${(perCallPercent * 10).toFixed(1)} % of a core`,
  );
  const f = (n: number): string => `${(100 * n).toFixed(1)} %`;
  print(
    `held-out: human→machine ${f(held.humanAsMachine)}, machine→human ${f(held.machineAsHuman)}, unknown ${f(held.unknown)}, ` +
      `beep recall ${f(held.beepRecall)}, human p95 ${(held.humanP95 / 1000).toFixed(1)} s, machine p95 ${(held.machineP95 / 1000).toFixed(1)} s`,
  );
}

main();
