/**
 * The failover run of `make bench-campaign` (issue 20): what trunk failover costs. Two
 * campaigns of the same size in the same stack, one after the other:
 *
 *   reference  one trunk, sipp uas-answer.xml: every call answered at once
 *   failover   a group of two: the first trunk (bench/sipp/uas-503-half.xml) answers 503 to
 *              the numbers ending in an odd digit (half of them: the numbers alternate)
 *              and answers the others; the second (uas-answer.xml) takes the calls that
 *              failed over, within the same attempt
 *
 * Printed: calls/s of each and their ratio; the mean set-up time (INVITE to answer) of
 * the calls answered on the first trunk, and of the failed-over calls from their first
 * INVITE (sipp's log of the first trunk, by number) to the answer on the second; the
 * difference is the extra set-up per failed-over call (the 503's round trip, the breaker's
 * count, the second trunk's line and start slot). The stack runs with the breaker off
 * (TRUNK_BREAKER_FAILURES=0), or a run of 503s would hold the first trunk down and the
 * calls would skip it rather than fail over.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, type PrivateStack } from '../scripts/services/index.js';
import type { SippInstance } from '../scripts/services/sipp.js';
import type { BenchApi } from './bench-api.js';
import {
  createCampaign,
  journalSummary,
  print,
  runCampaign,
  startGateway,
  withDatabase,
  type CampaignSpec,
} from './campaign-fixture.js';

const HALF_503 = join(repoRoot(), 'bench', 'sipp', 'uas-503-half.xml');

export interface FailoverOptions {
  readonly contacts: number;
  readonly concurrency: number;
  readonly messageMs: number;
  readonly deadlineMs: number;
  readonly timeoutMs: number;
  /** Where sipp's log of the first trunk goes. */
  readonly dir: string;
}

export interface FailoverReport {
  readonly referenceRate: number;
  readonly failoverRate: number;
  readonly failedOver: number;
  /** Mean extra set-up per failed-over call, ms. */
  readonly extraSetupMs: number;
  /** Every contact of both campaigns answered. */
  readonly ok: boolean;
}

interface RowTimes {
  readonly phone: string;
  readonly tried: number;
  readonly inviteMs: number;
  readonly answerMs: number | null;
}

async function journalTimes(stack: PrivateStack, id: string): Promise<RowTimes[]> {
  return withDatabase(stack.databaseUrl, async (db) => {
    const { rows } = await db.query<{ phone: string; tried: number; invite_ms: string; answer_ms: string | null }>(
      `SELECT phone_e164 AS phone, coalesce(jsonb_array_length(trunk_attempts), 0) AS tried,
              extract(epoch FROM invite_at) * 1000 AS invite_ms, extract(epoch FROM answer_at) * 1000 AS answer_ms
         FROM call_record WHERE campaign_id = $1`,
      [id],
    );
    return rows.map((r) => ({
      phone: r.phone,
      tried: Number(r.tried),
      inviteMs: Number(r.invite_ms),
      answerMs: r.answer_ms === null ? null : Number(r.answer_ms),
    }));
  });
}

/** Each number's first INVITE at the first trunk, epoch ms, from its `-trace_logs` lines. */
function firstInvites(logFile: string): Map<string, number> {
  const firsts = new Map<string, number>();
  for (const line of readFileSync(logFile, 'latin1').split('\n')) {
    const match = /^INVITE \+?(\d+) \S+\t\S+\t(\d+\.\d+) /.exec(line);
    if (match && !firsts.has(match[1])) firsts.set(match[1], Number(match[2]) * 1000);
  }
  return firsts;
}

const mean = (values: readonly number[]): number =>
  values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;

async function timedRun(
  stack: PrivateStack,
  api: BenchApi,
  o: FailoverOptions,
  spec: CampaignSpec,
  gateways: SippInstance[],
) {
  const id = await createCampaign(api, gateways[0], spec, gateways.slice(1));
  const { completed, seconds } = await runCampaign(api, id, o.deadlineMs);
  const journal = await journalSummary(stack.databaseUrl, id);
  return { id, completed, seconds, journal, rate: journal.answered / seconds };
}

/** The reference, then the failover campaign; prints their figures. */
export async function failoverRun(stack: PrivateStack, api: BenchApi, o: FailoverOptions): Promise<FailoverReport> {
  const spec = (tag: string, firstNumber: number): CampaignSpec => ({
    tag,
    contacts: o.contacts,
    concurrency: o.concurrency,
    messageMs: o.messageMs,
    record: false,
    firstNumber,
  });
  print('');
  print(
    `failover: ${o.contacts} contacts, ${o.concurrency} in flight, ${o.messageMs / 1000} s message; ` +
      'reference one trunk (uas-answer) against a group whose first trunk answers 503 to half the numbers',
  );
  const single = await startGateway({ calls: o.contacts, timeoutMs: o.timeoutMs });
  const reference = await timedRun(stack, api, o, spec('failover-reference', 300_000_000), [single]).finally(() =>
    single.stop(),
  );
  const logFile = join(o.dir, 'failover-first-trunk.log');
  const first = await startGateway({
    scenario: HALF_503,
    calls: o.contacts,
    timeoutMs: o.timeoutMs,
    extraArgs: ['-trace_logs', '-log_file', logFile],
  });
  const second = await startGateway({ calls: Math.ceil(o.contacts / 2), timeoutMs: o.timeoutMs });
  const failover = await timedRun(stack, api, o, spec('failover-group', 400_000_000), [first, second]).finally(
    async () => {
      await first.stop();
      await second.stop();
    },
  );

  const refRows = await journalTimes(stack, reference.id);
  const rows = await journalTimes(stack, failover.id);
  const invites = firstInvites(logFile);
  const setup = (r: RowTimes) => (r.answerMs ?? NaN) - r.inviteMs;
  const direct = rows.filter((r) => r.tried === 1 && r.answerMs !== null).map(setup);
  const failed = rows.filter((r) => r.tried === 2 && r.answerMs !== null);
  const fullSetups = failed
    .map((r) => (r.answerMs ?? NaN) - (invites.get(r.phone.replace(/\D/g, '')) ?? NaN))
    .filter((ms) => Number.isFinite(ms));
  const refSetup = mean(refRows.filter((r) => r.answerMs !== null).map(setup));
  const extraSetupMs = mean(fullSetups) - mean(direct);
  print(
    `  reference: ${reference.rate.toFixed(1)} calls/s (${reference.journal.answered} of ${o.contacts} answered in ` +
      `${reference.seconds.toFixed(1)} s); mean set-up ${refSetup.toFixed(1)} ms`,
  );
  print(
    `  failover:  ${failover.rate.toFixed(1)} calls/s (${failover.journal.answered} of ${o.contacts} answered in ` +
      `${failover.seconds.toFixed(1)} s); ${failed.length} failed over (503 then answered on the second trunk), ` +
      `${direct.length} answered on the first`,
  );
  print(
    `  set-up: first trunk ${mean(direct).toFixed(1)} ms; failed over ${mean(fullSetups).toFixed(1)} ms from the first ` +
      `INVITE (${fullSetups.length} matched in sipp's log) => extra ${extraSetupMs.toFixed(1)} ms per failed-over call`,
  );
  print(`  ratio failover / reference calls/s: ${(failover.rate / reference.rate).toFixed(2)}`);
  const ok =
    reference.completed &&
    failover.completed &&
    reference.journal.answered === o.contacts &&
    failover.journal.answered === o.contacts;
  return {
    referenceRate: reference.rate,
    failoverRate: failover.rate,
    failedOver: failed.length,
    extraSetupMs,
    ok,
  };
}
