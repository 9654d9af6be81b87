/**
 * The frequency cap at dial time. Every INVITE is preceded by a row in `dial_ledger`
 * (owner, number, start time): the journal alone cannot be counted, since an unanswered
 * call gets its row only when it ends. The row and the call's start slot (the trunk's
 * pacing) are taken in one statement, so the row's time is the instant the INVITE is due,
 * on the database's clock; with a cap, the check comes first, in the same transaction and
 * under an advisory lock on (owner, number): two campaigns or two workers dialling the same
 * number at the same moment are serialised, and the second sees the first's row. A capped
 * call takes no slot.
 *
 * The `uk` compliance profile's hold (no call within 72 h of an abandoned call to the number,
 * campaign/compliance-profile.ts) is checked in the same place, under the same lock, from the
 * journal's abandoned calls of the owner; a held call takes no slot either. So are the
 * department's frequency cap (every member's dials of the number) and calls per UTC day. The
 * checks are the policy's `ledger` rules (activities/policy-rules/, in the order
 * campaign/policy-rules/rule.ts fixes); this module runs them in its transaction.
 *
 * Rows are written with the cap off too, so a cap turned on later counts the calls already
 * made; they are pruned once older than the longest window an owner can set. The statements
 * are db/dial-ledger.ts's.
 */
import { performance } from 'node:perf_hooks';
import { inTransaction, type Pool, type PoolClient } from '../db/sql.js';
import type { DepartmentLimits } from '../campaign/department-policy.js';
import { FREQUENCY_CAP_LIMITS, type FrequencyCap } from '../campaign/owner-policy.js';
import type { ABANDONED_HOLD, CAPPED, DAILY_LIMIT } from '../campaign/campaign-types.js';
import {
  attemptHasDial,
  deleteDialEntry,
  insertDialAtTrunkSlot,
  lockDialTarget,
  pruneDialEntries,
} from '../db/dial-ledger.js';
import { clearLedger } from './policy-rules/index.js';
import { slotIntervalSeconds, type TrunkLimits } from './trunk-limits.js';

export type DialReservation =
  | {
      readonly kind: 'reserved';
      readonly id: string;
      /** The start slot (the database's clock). */
      readonly at: Date;
      /** When the slot is due on this process's `performance.now()` clock: wait until then. */
      readonly dueMs: number;
    }
  | {
      readonly kind: 'capped';
      readonly until: Date;
      /** What held the number back: a frequency cap, the `uk` profile's abandoned-call hold, a department's calls per day. */
      readonly why: typeof CAPPED | typeof ABANDONED_HOLD | typeof DAILY_LIMIT;
    };

export interface DialTarget {
  readonly ownerId: string;
  readonly phone: string;
  readonly attemptId: string;
}

/** Rows older than this can never count again (the longest window an owner can set). */
const RETENTION_SECONDS = FREQUENCY_CAP_LIMITS.windowSeconds;
/** Old rows deleted per call: keeps the table bounded without a sweeper. */
const PRUNE_BATCH = 100;

/** What is checked before the slot is taken: the owner's frequency cap, the `uk` profile's hold, the department's limits. */
export interface DialChecks {
  readonly cap: FrequencyCap | null;
  /** The `uk` compliance profile is in force: no call within 72 h of an abandoned one. */
  readonly abandonedHold: boolean;
  /** The owner's department's cap and calls per day; null or absent: none. */
  readonly department?: DepartmentLimits | null;
}

/**
 * Takes the call's start slot on `pacing`'s trunk and records that `target` is dialled then,
 * unless `checks` forbid a call now: then nothing is taken and the answer says until when.
 * Call {@link cancelReservation} when no INVITE went out after all.
 */
export async function reserveDial(
  pool: Pool,
  target: DialTarget,
  checks: DialChecks,
  pacing: TrunkLimits,
): Promise<DialReservation> {
  const { cap, abandonedHold } = checks;
  const department = checks.department?.frequencyCap || checks.department?.maxCallsPerDay ? checks.department : null;
  // Nothing to check: one statement does it all, the slot as prompt as the pacing alone.
  if (!cap && !abandonedHold && !department) return takeSlotFor(pool, target, pacing);
  return inTransaction(pool, async (client) => {
    // The (owner, number) lock first, then the rules' own (campaign/policy-rules/rule.ts, stage `ledger`).
    await lockDialTarget(client, target.ownerId, target.phone);
    const ctx = { client, ownerId: target.ownerId, phone: target.phone, cap, abandonedHold, department };
    const { verdict } = await clearLedger(ctx);
    if (verdict.kind === 'skip' && verdict.journalCode !== 'reserved') {
      return { kind: 'capped', until: verdict.retryAt, why: verdict.journalCode } as const;
    }
    if (verdict.kind !== 'allow') throw new Error(`a ledger rule answered ${verdict.journalCode}`);
    return takeSlotFor(client, target, pacing);
  });
}

async function takeSlotFor(db: Pool | PoolClient, target: DialTarget, pacing: TrunkLimits): Promise<DialReservation> {
  const row = await insertDialAtTrunkSlot(db, pacing.trunkId, slotIntervalSeconds(pacing), target);
  const returned = performance.now();
  if (!row) throw new Error('taking a start slot returned no row');
  return {
    kind: 'reserved',
    id: String(row.id),
    at: new Date(Number(row.slot_ms)),
    dueMs: returned + Number(row.wait_ms),
  };
}

/** The reserved dial did not happen (no INVITE was sent): it must not count against the cap. */
export async function cancelReservation(pool: Pool, id: string): Promise<void> {
  await deleteDialEntry(pool, id);
}

/**
 * Whether an INVITE may have left for the attempt: its dial was reserved and not given back
 * (a reservation is given back when no INVITE was sent).
 */
export async function wasDialled(pool: Pool, attemptId: string): Promise<boolean> {
  return attemptHasDial(pool, attemptId);
}

/** Deletes a batch of rows too old to count; called once per call, after the dial. */
export async function pruneDialLedger(pool: Pool): Promise<void> {
  await pruneDialEntries(pool, RETENTION_SECONDS, PRUNE_BATCH);
}
