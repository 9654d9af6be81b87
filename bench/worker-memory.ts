/**
 * Where a worker's memory goes during a campaign run (issue 23): its /metrics scraped every
 * few seconds, and the sample with the highest resident set split into the main thread's V8
 * heap, the media threads' heaps (`voicecast_worker_media_thread_heap_bytes`), the buffers
 * outside the heaps, and the rest: what no heap counts (Temporal's core SDK in Rust, V8's
 * code and malloc arenas, libuv, thread stacks).
 */

/** One scrape, in bytes (calls: the call slots in use then). */
export interface MemorySample {
  readonly rss: number;
  readonly calls: number;
  readonly mainHeapUsed: number;
  readonly mainHeapTotal: number;
  /** Buffers outside the main heap (nodejs_external_memory_bytes: ArrayBuffers, Buffers). */
  readonly mainExternal: number;
  /** Per media thread. */
  readonly threads: readonly { readonly thread: number; used: number; total: number; external: number }[];
}

const value = (text: string, name: string): number => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

const THREAD_LINE =
  /^voicecast_worker_media_thread_heap_bytes\{(?=[^}]*thread="(\d+)")(?=[^}]*kind="(used|total|external)")[^}]*\} ([0-9.eE+-]+)$/gm;

/** Parses the memory figures out of the worker's Prometheus text exposition. */
export function parseMemorySample(text: string): MemorySample {
  const threads = new Map<number, { thread: number; used: number; total: number; external: number }>();
  for (const m of text.matchAll(THREAD_LINE)) {
    const thread = Number(m[1]);
    const entry = threads.get(thread) ?? { thread, used: 0, total: 0, external: 0 };
    entry[m[2] as 'used' | 'total' | 'external'] = Number(m[3]);
    threads.set(thread, entry);
  }
  return {
    rss: value(text, 'voicecast_worker_process_resident_memory_bytes'),
    calls: value(text, 'voicecast_worker_calls_active'),
    mainHeapUsed: value(text, 'voicecast_worker_nodejs_heap_size_used_bytes'),
    mainHeapTotal: value(text, 'voicecast_worker_nodejs_heap_size_total_bytes'),
    mainExternal: value(text, 'voicecast_worker_nodejs_external_memory_bytes'),
    threads: [...threads.values()].sort((a, b) => a.thread - b.thread),
  };
}

/** Scrapes `url` every `everyMs` and keeps the sample with the highest RSS, the one with most calls up, and the last calls count. */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  peak: MemorySample | undefined;
  /** The sample with most calls up (the highest RSS among those). */
  busiest: MemorySample | undefined;
  lastCalls = 0;

  constructor(
    private readonly url: string,
    private readonly everyMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  async sample(): Promise<MemorySample | undefined> {
    if (this.inFlight) return undefined;
    this.inFlight = true;
    try {
      const res = await fetch(this.url);
      if (!res.ok) return undefined;
      const sample = parseMemorySample(await res.text());
      if (!Number.isNaN(sample.calls)) this.lastCalls = sample.calls;
      if (!this.peak || sample.rss > this.peak.rss) this.peak = sample;
      const busier =
        this.busiest &&
        (sample.calls > this.busiest.calls || (sample.calls === this.busiest.calls && sample.rss > this.busiest.rss));
      if (!this.busiest || busier) this.busiest = sample;
      return sample;
    } catch {
      return undefined; // a scrape that fails (worker busy) is skipped, not fatal to the run
    } finally {
      this.inFlight = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** One figure summed over a sample's media threads. */
const threadSum = (sample: MemorySample, pick: (t: MemorySample['threads'][number]) => number): number =>
  sample.threads.reduce((total, t) => total + pick(t), 0);

/** One line: where `sample`'s RSS goes. */
export function describeSplit(what: string, sample: MemorySample): string {
  const threadsTotal = threadSum(sample, (t) => t.total);
  const threadsExternal = threadSum(sample, (t) => t.external);
  const rest = sample.rss - sample.mainHeapTotal - sample.mainExternal - threadsTotal - threadsExternal;
  return (
    `${what} (${sample.calls} calls up): RSS ${mb(sample.rss)} = ` +
    `main heap ${mb(sample.mainHeapTotal)} (${mb(sample.mainHeapUsed)} live) + main external buffers ${mb(sample.mainExternal)} + ` +
    `${sample.threads.length} media thread heap(s) ${mb(threadsTotal)} (${mb(threadSum(sample, (t) => t.used))} live) + their buffers ${mb(threadsExternal)} + ` +
    `rest ${mb(rest)} (no heap counts it: malloc'd memory such as ArrayBuffer stores, Temporal's core SDK, V8 code, stacks)`
  );
}

/**
 * Where the worker's memory went: the split at its highest RSS and at its most calls up, and
 * per call up at the latter against `idle` (a sample before the run).
 */
export function describeMemory(peak: MemorySample, busiest: MemorySample, idle: MemorySample | undefined): string[] {
  const lines = [describeSplit('worker memory at its highest RSS sample', peak)];
  if (busiest !== peak) lines.push(describeSplit('at its most calls up', busiest));
  if (idle) lines.push(describeSplit('idle, before the run', idle));
  if (idle && busiest.calls > 0) {
    const per = (a: number, b: number) => `${((a - b) / busiest.calls / 1024).toFixed(1)} kB`;
    lines.push(
      `per call up (${busiest.calls}), against the idle worker before the run (RSS ${mb(idle.rss)}): RSS ${per(busiest.rss, idle.rss)}, ` +
        `main heap used ${per(busiest.mainHeapUsed, idle.mainHeapUsed)}, ` +
        `media heaps used ${per(
          threadSum(busiest, (t) => t.used),
          threadSum(idle, (t) => t.used),
        )}, ` +
        `buffers ${per(busiest.mainExternal + threadSum(busiest, (t) => t.external), idle.mainExternal + threadSum(idle, (t) => t.external))}`,
    );
  }
  return lines;
}
