/**
 * The frequency cap at dial time. Every INVITE is preceded by a row in `dial_ledger`
 * (owner, number, start time): the journal alone cannot be counted, since an unanswered
 * call gets its row only when it ends. The row, the cap's check and the call's start slot
 * (the trunk's pacing) are made in one transaction, under an advisory lock on (owner,
 * number): two campaigns or two workers dialling the same number at the same moment are
 * serialised, and the second sees the first's row. The row's time is the start slot (the
 * database's clock), the instant the INVITE is due, so the cap spaces the INVITEs
 * themselves, not the moments they were checked; a capped call rolls its slot back.
 *
 * Rows are written with the cap off too, so a cap turned on later counts the calls already
 * made; they are pruned once older than the longest window an owner can set.
 */
import { inTransaction, type Pool, type PoolClient } from '../db/sql.js';
import { capDecision } from '../policies/frequency-cap.js';
import { FREQUENCY_CAP_LIMITS, type FrequencyCap } from '../policies/owner-policy.js';
import type { StartSlot } from './trunk-limits.js';

export type DialReservation =
  | { readonly kind: 'reserved'; readonly id: string; readonly slot: StartSlot }
  | { readonly kind: 'capped'; readonly until: Date };

export interface DialTarget {
  readonly ownerId: string;
  readonly phone: string;
  readonly attemptId: string;
}

/** Rows older than this can never count again (the longest window an owner can set). */
const RETENTION_SECONDS = FREQUENCY_CAP_LIMITS.windowSeconds;
/** Old rows deleted per reservation: keeps the table bounded without a sweeper. */
const PRUNE_BATCH = 100;

/** Thrown inside the transaction to roll the start slot back. */
class Capped extends Error {
  constructor(readonly until: Date) {
    super(`capped until ${until.toISOString()}`);
  }
}

/**
 * Takes the call's start slot with `takeSlot` and records that `target` is dialled then,
 * unless `cap` forbids a call at that instant: then nothing is kept (not even the slot) and
 * the answer says when the window frees a slot. Call {@link cancelReservation} when no INVITE
 * went out after all.
 */
export async function reserveDial(
  pool: Pool,
  target: DialTarget,
  cap: FrequencyCap | null,
  takeSlot: (client: PoolClient) => Promise<StartSlot>,
): Promise<DialReservation> {
  let reservation: DialReservation;
  try {
    reservation = await inTransaction(pool, async (client): Promise<DialReservation> => {
      if (cap) {
        await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('dial_ledger:' || $1 || ':' || $2, 0))`, [
          target.ownerId,
          target.phone,
        ]);
      }
      const slot = await takeSlot(client);
      if (cap) await checkCap(client, target, cap, slot.at);
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO dial_ledger (owner_id, phone_e164, attempt_id, dialled_at) VALUES ($1, $2, $3, $4) RETURNING id`,
        [target.ownerId, target.phone, target.attemptId, slot.at],
      );
      return { kind: 'reserved', id: String(rows[0]?.id), slot };
    });
  } catch (err) {
    if (err instanceof Capped) return { kind: 'capped', until: err.until };
    throw err;
  }
  await prune(pool);
  return reservation;
}

/** Throws {@link Capped} when a call at `at` would exceed the cap (dials after `at` count too: they are due already). */
async function checkCap(client: PoolClient, target: DialTarget, cap: FrequencyCap, at: Date): Promise<void> {
  const { rows } = await client.query<{ dialled_ms: number }>(
    `SELECT (extract(epoch FROM dialled_at) * 1000)::float8 AS dialled_ms FROM dial_ledger
     WHERE owner_id = $1 AND phone_e164 = $2 AND dialled_at > $3::timestamptz - make_interval(secs => $4)`,
    [target.ownerId, target.phone, at, cap.windowSeconds],
  );
  const decision = capDecision(
    cap,
    rows.map((r) => new Date(Number(r.dialled_ms))),
    at,
  );
  if (decision.kind === 'capped') throw new Capped(decision.until);
}

/** The reserved dial did not happen (no INVITE was sent): it must not count against the cap. */
export async function cancelReservation(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM dial_ledger WHERE id = $1', [id]);
}

async function prune(pool: Pool): Promise<void> {
  await pool.query(
    `DELETE FROM dial_ledger WHERE id IN (
       SELECT id FROM dial_ledger WHERE dialled_at < now() - make_interval(secs => $1) LIMIT $2)`,
    [RETENTION_SECONDS, PRUNE_BATCH],
  );
}
