/**
 * The frequency cap at dial time. Every INVITE is preceded by a row in `dial_ledger`
 * (owner, number, time): the journal alone cannot be counted, since an unanswered call gets
 * its row only when it ends. With a cap, the check and the row are made in one transaction
 * under an advisory lock on (owner, number), so two campaigns or two workers dialling the
 * same number at the same moment are serialised: the second sees the first's row and is
 * capped. Times are the database's clock (`clock_timestamp()`, read after the lock), so
 * workers whose clocks differ still agree.
 *
 * Rows are written with the cap off too, so a cap turned on later counts the calls already
 * made; they are pruned once older than the longest window an owner can set.
 */
import { inTransaction, type Pool } from '../db/sql.js';
import { capDecision } from '../policies/frequency-cap.js';
import { FREQUENCY_CAP_LIMITS, type FrequencyCap } from '../policies/owner-policy.js';

export type DialReservation =
  { readonly kind: 'reserved'; readonly id: string } | { readonly kind: 'capped'; readonly until: Date };

export interface DialTarget {
  readonly ownerId: string;
  readonly phone: string;
  readonly attemptId: string;
}

/** Rows older than this can never count again (the longest window an owner can set). */
const RETENTION_SECONDS = FREQUENCY_CAP_LIMITS.windowSeconds;
/** Old rows deleted per reservation: keeps the table bounded without a sweeper. */
const PRUNE_BATCH = 100;

/**
 * Records that `target` is about to be dialled, unless `cap` forbids it now: then nothing is
 * written and the answer says when the window frees a slot. Call it right before the INVITE
 * (after every other wait), and {@link cancelReservation} when no INVITE went out after all.
 */
export async function reserveDial(pool: Pool, target: DialTarget, cap: FrequencyCap | null): Promise<DialReservation> {
  const reservation = await inTransaction(pool, async (client): Promise<DialReservation> => {
    if (cap) {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('dial_ledger:' || $1 || ':' || $2, 0))`, [
        target.ownerId,
        target.phone,
      ]);
      const { rows } = await client.query<{ now_ms: number; dials_ms: (number | string)[] }>(
        `WITH t AS (SELECT clock_timestamp() AS at)
         SELECT (extract(epoch FROM t.at) * 1000)::float8 AS now_ms,
           coalesce((SELECT array_agg((extract(epoch FROM d.dialled_at) * 1000)::float8) FROM dial_ledger d
                     WHERE d.owner_id = $1 AND d.phone_e164 = $2 AND d.dialled_at > t.at - make_interval(secs => $3)),
                    '{}') AS dials_ms
         FROM t`,
        [target.ownerId, target.phone, cap.windowSeconds],
      );
      const row = rows[0];
      const dials = (row?.dials_ms ?? []).map((ms) => new Date(Number(ms)));
      const decision = capDecision(cap, dials, new Date(Number(row?.now_ms)));
      if (decision.kind === 'capped') return decision;
    }
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO dial_ledger (owner_id, phone_e164, attempt_id, dialled_at) VALUES ($1, $2, $3, clock_timestamp())
       RETURNING id`,
      [target.ownerId, target.phone, target.attemptId],
    );
    return { kind: 'reserved', id: String(rows[0]?.id) };
  });
  if (reservation.kind === 'reserved') await prune(pool);
  return reservation;
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
