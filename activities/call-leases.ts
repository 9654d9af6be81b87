/**
 * Concurrency limits held across every worker and campaign, in PostgreSQL (`call_lease`):
 * a live call holds one row per limited scope — `trunk:<id>` for a trunk's
 * `maxConcurrentCalls`, `owner:<id>` for an owner's tenant limit — that expires unless
 * renewed. A call takes all its places at once or none: in one transaction, under an
 * advisory lock per scope (taken in a fixed order, so two takers never deadlock), it counts
 * each scope's unexpired leases and inserts a row in every scope only when all have room.
 * Taking them one by one would let a call sit on a trunk line while it waits for its owner's
 * limit, starving other owners on a shared trunk.
 *
 * A worker that dies stops renewing; its leases expire after {@link LEASE_TTL_SECONDS} and
 * are ignored (and swept by the next taker of the scope). Every wait goes through `sleep`,
 * which the activity makes cancellable.
 */
import type { Pool } from '../db/sql.js';
import { inTransaction } from '../db/sql.js';

/** A lease not renewed for this long belongs to a dead worker. */
export const LEASE_TTL_SECONDS = 15;
/** Renew this often (well inside the TTL, so one slow renewal does not lose the lease). */
export const LEASE_RENEW_MS = 4000;
/** How often a caller waiting for a free place looks again (with jitter, so waiters spread). */
const LEASE_POLL_MS = 150;

/** One limit a call counts against: at most `max` live calls in `scope`. */
export interface LeaseLimit {
  readonly scope: string;
  readonly max: number;
}

export const trunkScope = (trunkId: string): string => `trunk:${trunkId}`;
export const ownerScope = (ownerId: string): string => `owner:${ownerId}`;

export type Sleep = (ms: number) => Promise<void>;

/**
 * Another execution of the same attempt holds a live lease (Temporal gave the attempt to a
 * second worker while the first still runs it): this one must not dial. Retryable: once the
 * first has finished, the retry finds its result in the journal.
 */
export class AttemptBusyError extends Error {
  override readonly name = 'AttemptBusyError';
}

/**
 * Waits until every limit has room and takes a place in each for `attemptId`; the leases
 * double as the attempt's lock, so throws {@link AttemptBusyError} when it holds one already.
 */
export async function acquireLeases(
  pool: Pool,
  limits: readonly LeaseLimit[],
  attemptId: string,
  sleep: Sleep,
): Promise<void> {
  const ordered = [...limits].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
  const scopes = ordered.map((l) => l.scope);
  for (;;) {
    const taken = await inTransaction(pool, async (client) => {
      for (const scope of scopes) {
        await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('call_lease:' || $1, 0))`, [scope]);
      }
      await client.query('DELETE FROM call_lease WHERE scope = ANY($1) AND expires_at <= now()', [scopes]);
      const { rows } = await client.query<{ scope: string; total: string; mine: string }>(
        `SELECT scope, count(*) AS total, count(*) FILTER (WHERE attempt_id = $2) AS mine
         FROM call_lease WHERE scope = ANY($1) GROUP BY scope`,
        [scopes, attemptId],
      );
      if (rows.some((r) => Number(r.mine) > 0)) throw new AttemptBusyError(`attempt ${attemptId} is running elsewhere`);
      const live = new Map(rows.map((r) => [r.scope, Number(r.total)]));
      if (ordered.some((l) => (live.get(l.scope) ?? 0) >= l.max)) return false;
      await client.query(
        `INSERT INTO call_lease (scope, attempt_id, expires_at)
         SELECT unnest($1::text[]), $2, now() + make_interval(secs => $3)`,
        [scopes, attemptId, LEASE_TTL_SECONDS],
      );
      return true;
    });
    if (taken) return;
    await sleep(LEASE_POLL_MS / 2 + Math.random() * LEASE_POLL_MS);
  }
}

/** Keeps the attempt's leases alive; false when they were lost (expired and swept: the places may be reused). */
export async function renewLeases(pool: Pool, attemptId: string): Promise<boolean> {
  const renewed = await pool.query(
    'UPDATE call_lease SET expires_at = now() + make_interval(secs => $2) WHERE attempt_id = $1',
    [attemptId, LEASE_TTL_SECONDS],
  );
  return (renewed.rowCount ?? 0) > 0;
}

/**
 * True while some execution of the attempt holds an unexpired lease: its call may be live
 * (an execution Temporal timed out or lost goes on with its call and journals it).
 */
export async function attemptIsLive(pool: Pool, attemptId: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM call_lease WHERE attempt_id = $1 AND expires_at > now() LIMIT 1', [
    attemptId,
  ]);
  return rows.length > 0;
}

export async function releaseLeases(pool: Pool, attemptId: string): Promise<void> {
  await pool.query('DELETE FROM call_lease WHERE attempt_id = $1', [attemptId]);
}
