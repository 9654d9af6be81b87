/**
 * Probes trunks held down by their circuit breaker (trunk-breaker.ts) with SIP OPTIONS, in
 * the background of each worker (issue 20): a trunk that answers is up again before its
 * hold is over, so campaigns do not wait out `TRUNK_BREAKER_HOLD_SECONDS` for a gateway
 * that came back; one that does not answer stays down.
 *
 *   every interval: claim the trunks down whose last probe is older than the interval
 *     (one UPDATE … FOR UPDATE SKIP LOCKED: with several workers, one probe per trunk)
 *   ─▶ OPTIONS from a throw-away user agent (telephony/trunk-probe.ts, digest answered)
 *   ─▶ an answer that shows the trunk works (campaign/trunk-failover.ts probeShowsTrunkUp)
 *        closes the breaker: count reset, `down_until` cleared
 *      anything else (no answer, 408, 5xx, credentials refused) leaves the hold as it is
 *   ─▶ `trunk_health.last_probe_at` / `last_probe`, shown in `GET /trunks/{id}`
 *
 * The OPTIONS goes to the trunk's next hop under the same address policy as its calls; the
 * trunk never REGISTERs for a probe. A database away costs a round of probes, never the
 * worker: the error is logged and the next round tries again.
 */
import type { Pool } from '../db/sql.js';
import { toTrunkConfig, type TrunkRow } from '../db/trunk-config.js';
import { claimTrunksDueForProbe, closeBreakerAfterProbe, recordProbe } from '../db/trunk-health.js';
import { probeShowsTrunkUp } from '../campaign/trunk-failover.js';
import type { Logger } from '../lib/logger.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { TelephonyEngine } from '../telephony/engine.js';
import type { TrunkProbeResult } from '../telephony/trunk-probe.js';

/** Most trunks one worker probes in one round. */
const PROBES_PER_ROUND = 20;

export interface TrunkProberOptions {
  readonly pool: Pool;
  readonly secrets: SecretBox;
  readonly engine: Pick<TelephonyEngine, 'probe'>;
  /** How often a trunk held down is probed (TRUNK_PROBE_INTERVAL_SECONDS). */
  readonly intervalMs: number;
  /** How long one OPTIONS may take (the trunk test's TRUNK_TEST_TIMEOUT_SECONDS, at most the interval). */
  readonly timeoutMs: number;
  readonly logger?: Logger | undefined;
}

/** What this worker's probes came to, for its /metrics (they only grow). */
export interface TrunkProbeCounts {
  readonly sent: number;
  /** Probes that brought their trunk up. */
  readonly up: number;
}

export class TrunkProber {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  private sent = 0;
  private up = 0;

  constructor(private readonly options: TrunkProberOptions) {}

  counts(): TrunkProbeCounts {
    return { sent: this.sent, up: this.up };
  }

  /** Probes every interval until {@link stop}. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** No new round; waits for the one under way (its OPTIONS end within `timeoutMs`). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.probeDue()
        .then(() => undefined)
        .catch((err: unknown) => this.options.logger?.warn({ err }, 'trunk probes failed; trying again next round'))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** One round: probes the trunks down and due; returns how many it probed. */
  async probeDue(): Promise<number> {
    const rows = await this.claimDue();
    await Promise.all(rows.map((row) => this.probeOne(row)));
    return rows.length;
  }

  /** The trunks down whose last probe (by any worker) is older than the interval, marked probed now. */
  private async claimDue(): Promise<TrunkRow[]> {
    const { pool, intervalMs } = this.options;
    // A little under the interval: a round that starts a few ms early still finds its trunks due.
    const dueSeconds = (intervalMs * 0.8) / 1000;
    return claimTrunksDueForProbe(pool, dueSeconds, PROBES_PER_ROUND);
  }

  private async probeOne(row: TrunkRow): Promise<void> {
    const { pool, secrets, engine, timeoutMs, logger } = this.options;
    let result: TrunkProbeResult | undefined;
    let error: string | undefined;
    try {
      // Only the OPTIONS: a probe never registers (nor un-registers) the trunk.
      result = await engine.probe({ ...toTrunkConfig(row, secrets), register: false }, { timeoutMs });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    this.sent += 1;
    const code = result?.sipCode ?? null;
    const text = probeText(code, result?.sipReason ?? null, result?.error ?? error ?? 'no answer');
    if (probeShowsTrunkUp(code)) {
      this.up += 1;
      await closeBreakerAfterProbe(pool, row.id, text);
      logger?.info({ trunkId: row.id, probe: text }, 'trunk answered its OPTIONS probe; up again');
    } else {
      await recordProbe(pool, row.id, text);
      logger?.debug({ trunkId: row.id, probe: text }, 'trunk still down after its OPTIONS probe');
    }
  }
}

/** `200 OK`, `timeout`…: the peer's reason phrase without control characters, at most 200 characters. */
export function probeText(code: number | null, reason: string | null, error: string): string {
  const text = code !== null ? `${code} ${reason ?? ''}`.trim() : error;
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200);
}
