/**
 * The spool loop of `voicecast-agent`: each pass lists every spool directory's `<id>.json`
 * + `<id>.wav` pairs in name order and sends them one at a time; a pair moves to `sent/`
 * only after the server confirmed the call and its recording.
 *
 * - A pair is complete when both files exist, neither changed size since the last pass, and
 *   both are older than `stableMs` (a PBX still writing one is left for a later pass).
 * - JSON that does not parse or map, or that the server refuses (INVALID_ARGUMENT, …), goes
 *   to `rejected/` with `<id>.reason` saying why.
 * - When the server is away (UNAVAILABLE, a deadline, no token) the loop stops reading and
 *   waits (doubling from `backoffMs` up to `maxBackoffMs`), then sends the same pair again:
 *   the server's idempotency makes a pair sent twice one call, so nothing is lost or doubled.
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapRecord, type AddCallMessage, type Layout } from './field-mapping.js';
import { SendError } from './journal-sender.js';

export interface SpoolAgentOptions {
  readonly dirs: readonly string[];
  readonly layout: Layout;
  readonly source: string;
  readonly stableMs: number;
  readonly pollMs: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface Sender {
  send(call: AddCallMessage, wavPath: string): Promise<unknown>;
}

/** What the metrics show. */
export interface AgentCounters {
  queueDepth: number;
  sent: number;
  rejected: number;
  failures: number;
  /** 1 while the server is away and the agent waits. */
  waiting: number;
}

interface Pair {
  readonly dir: string;
  readonly id: string;
}

export class SpoolAgent {
  readonly counters: AgentCounters = { queueDepth: 0, sent: 0, rejected: 0, failures: 0, waiting: 0 };
  private readonly sizes = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly options: SpoolAgentOptions,
    private readonly sender: Sender,
    private readonly log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /** Runs passes until {@link stop}. */
  async run(): Promise<void> {
    for (const dir of this.options.dirs) {
      await mkdir(join(dir, 'sent'), { recursive: true });
      await mkdir(join(dir, 'rejected'), { recursive: true });
    }
    while (!this.stopped) {
      const sent = await this.pass();
      if (sent === 0 && !this.stopped) await sleep(this.options.pollMs);
    }
  }

  /** One pass over every directory; the pairs sent (or rejected). */
  async pass(): Promise<number> {
    const pairs = (await Promise.all(this.options.dirs.map((dir) => this.ready(dir)))).flat();
    let done = 0;
    for (const pair of pairs) {
      if (this.stopped) break;
      await this.deliver(pair);
      done += 1;
      this.counters.queueDepth = Math.max(0, this.counters.queueDepth - 1);
    }
    return done;
  }

  /** The complete pairs of `dir`, in name order; counts every pair waiting as queue depth. */
  private async ready(dir: string): Promise<Pair[]> {
    const names = new Set(await readdir(dir));
    const ids = [...names]
      .filter((n) => n.endsWith('.json') && names.has(`${n.slice(0, -5)}.wav`))
      .map((n) => n.slice(0, -5))
      .sort();
    this.counters.queueDepth = ids.length;
    const ready: Pair[] = [];
    for (const id of ids) {
      if (await this.complete(dir, id)) ready.push({ dir, id });
      else break; // keep the order: a later pair waits for an earlier one still being written
    }
    return ready;
  }

  private async complete(dir: string, id: string): Promise<boolean> {
    try {
      const [json, wav] = await Promise.all([stat(join(dir, `${id}.json`)), stat(join(dir, `${id}.wav`))]);
      const key = join(dir, id);
      const seen = `${json.size}:${wav.size}`;
      const before = this.sizes.get(key);
      this.sizes.set(key, seen);
      const old = Date.now() - Math.max(json.mtimeMs, wav.mtimeMs) >= this.options.stableMs;
      return old && before === seen;
    } catch {
      return false; // moved or deleted meanwhile
    }
  }

  /** Sends one pair until the server confirmed it or refused it; waits out outages. */
  private async deliver(pair: Pair): Promise<void> {
    const jsonPath = join(pair.dir, `${pair.id}.json`);
    let call: AddCallMessage;
    try {
      call = mapRecord(JSON.parse(await readFile(jsonPath, 'utf8')), this.options.layout, this.options.source);
    } catch (err) {
      return this.reject(pair, `malformed JSON: ${(err as Error).message}`);
    }
    for (let wait = this.options.backoffMs; !this.stopped; wait = Math.min(wait * 2, this.options.maxBackoffMs)) {
      try {
        await this.sender.send(call, join(pair.dir, `${pair.id}.wav`));
        this.counters.waiting = 0;
        await this.move(pair, 'sent');
        this.counters.sent += 1;
        return;
      } catch (err) {
        if (err instanceof SendError && err.action === 'reject') return this.reject(pair, err.message);
        this.counters.failures += 1;
        this.counters.waiting = 1;
        this.log('warn', 'server unavailable, waiting', { id: pair.id, waitMs: wait, error: String(err) });
        await sleep(wait);
      }
    }
  }

  private async reject(pair: Pair, reason: string): Promise<void> {
    this.log('warn', 'pair rejected', { id: pair.id, reason });
    // Written aside and renamed, so whoever watches `rejected/` never reads a half-written reason.
    const reasonFile = join(pair.dir, 'rejected', `${pair.id}.reason`);
    await writeFile(`${reasonFile}.tmp`, `${reason}\n`);
    await rename(`${reasonFile}.tmp`, reasonFile);
    await this.move(pair, 'rejected');
    this.counters.rejected += 1;
  }

  /**
   * The JSON first: after a crash between the two renames a lone WAV is left, which is not a
   * pair and is never sent again (the server has it already); the other order would leave a
   * lone JSON, and a pair completed later under the same id would be taken for it.
   */
  private async move(pair: Pair, to: 'sent' | 'rejected'): Promise<void> {
    await rename(join(pair.dir, `${pair.id}.json`), join(pair.dir, to, `${pair.id}.json`));
    await rename(join(pair.dir, `${pair.id}.wav`), join(pair.dir, to, `${pair.id}.wav`));
    this.sizes.delete(join(pair.dir, pair.id));
  }
}
