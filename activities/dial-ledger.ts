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
 * journal's abandoned calls of the owner; a held call takes no slot either.
 *
 * Rows are written with the cap off too, so a cap turned on later counts the calls already
 * made; they are pruned once older than the longest window an owner can set. The statements
 * are db/dial-ledger.ts's.
 */
import { performance } from 'node:perf_hooks';
import { inTransaction, type Pool, type PoolClient } from '../db/sql.js';
import { capDecision } from '../campaign/frequency-cap.js';
import { FREQUENCY_CAP_LIMITS, type FrequencyCap } from '../campaign/owner-policy.js';
import { ABANDONED_HOLD, CAPPED } from '../campaign/campaign-types.js';
import { abandonedHoldUntil, UK_ABANDONED_HOLD_SECONDS } from '../campaign/compliance-profile.js';
import {
  attemptHasDial,
  deleteDialEntry,
  dialsInWindow,
  insertDialAtTrunkSlot,
  lastAbandonedCall,
  lockDialTarget,
  pruneDialEntries,
} from '../db/dial-ledger.js';
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
      /** What held the number back: the frequency cap, or the `uk` profile's abandoned-call hold. */
      readonly why: typeof CAPPED | typeof ABANDONED_HOLD;
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

/** What is checked before the slot is taken: the owner's frequency cap, the `uk` profile's hold. */
export interface DialChecks {
  readonly cap: FrequencyCap | null;
  /** The `uk` compliance profile is in force: no call within 72 h of an abandoned one. */
  readonly abandonedHold: boolean;
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
  // Nothing to check: one statement does it all, the slot as prompt as the pacing alone.
  if (!cap && !abandonedHold) return takeSlotFor(pool, target, pacing);
  return inTransaction(pool, async (client) => {
    await lockDialTarget(client, target.ownerId, target.phone);
    const held = abandonedHold ? await checkAbandonedHold(client, target) : undefined;
    if (held) return { kind: 'capped', until: held, why: ABANDONED_HOLD } as const;
    const decision = cap ? await checkCap(client, target, cap) : undefined;
    if (decision?.kind === 'capped') return { ...decision, why: CAPPED } as const;
    return takeSlotFor(client, target, pacing);
  });
}

/** Journal rows older than this cannot hold an abandoned call that ended within the hold (the longest ring and call). */
const ABANDONED_LOOKBACK_SECONDS = UK_ABANDONED_HOLD_SECONDS + 2 * 3600 + 300;

/**
 * Until when the owner's last abandoned call to the number holds it back (the database's
 * clock), or undefined. Reads the journal by (owner, number, invite time), its index.
 */
async function checkAbandonedHold(client: PoolClient, target: DialTarget): Promise<Date | undefined> {
  const row = await lastAbandonedCall(client, target.ownerId, target.phone, ABANDONED_LOOKBACK_SECONDS);
  const last = row?.last_ms === null || row?.last_ms === undefined ? undefined : new Date(Number(row.last_ms));
  return abandonedHoldUntil(['uk'], last, new Date(Number(row?.now_ms)));
}

/**
 * The cap at this instant (the database's clock, read under the lock). Every row after
 * `now - window` counts, later start slots included: the new call starts at or after now, so
 * no window around it can hold a row this one did not count.
 */
async function checkCap(client: PoolClient, target: DialTarget, cap: FrequencyCap) {
  const rows = await dialsInWindow(client, target.ownerId, target.phone, cap.windowSeconds);
  const dials = rows.filter((r) => r.dialled_ms !== null).map((r) => new Date(Number(r.dialled_ms)));
  return capDecision(cap, dials, new Date(Number(rows[0]?.now_ms)));
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
