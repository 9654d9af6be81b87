/**
 * `trunk_health`: the trunk circuit breaker's state (activities/trunk-breaker.ts says what it
 * means): what the API reads, the worker's OPTIONS prober (activities/trunk-prober.ts) writes,
 * and the breaker's own counting of each call's failures and answers.
 */
import type { Pool, PoolClient } from './sql.js';
import { TRUNK_ROW_COLUMNS, type TrunkRow } from './trunk-config.js';

/** How many trunks the breaker holds down now, every owner's (the `voicecast_trunks_down` gauge). */
export async function countTrunksDown(pool: Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM trunk_health WHERE down_until > now()',
  );
  return rows[0]?.n;
}

/**
 * Claims up to `limit` trunks held down whose last probe (by any worker) is older than
 * `dueSeconds`, marking them probed now (SKIP LOCKED: one worker per trunk and round).
 */
export async function claimTrunksDueForProbe(pool: Pool, dueSeconds: number, limit: number): Promise<TrunkRow[]> {
  const { rows } = await pool.query<TrunkRow>(
    `WITH due AS (
       UPDATE trunk_health SET last_probe_at = now()
       WHERE trunk_id IN (
         SELECT trunk_id FROM trunk_health
         WHERE down_until > now() AND (last_probe_at IS NULL OR last_probe_at <= now() - make_interval(secs => $1))
         ORDER BY last_probe_at NULLS FIRST LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING trunk_id)
     SELECT ${TRUNK_ROW_COLUMNS} FROM sip_trunk WHERE id IN (SELECT trunk_id FROM due)`,
    [dueSeconds, limit],
  );
  return rows;
}

/** A probe the trunk answered: the breaker closes (count reset, hold over). */
export async function closeBreakerAfterProbe(pool: Pool, trunkId: string, probe: string): Promise<void> {
  await pool.query(
    `UPDATE trunk_health SET consecutive_failures = 0, down_until = NULL, last_probe = $2, updated_at = now()
     WHERE trunk_id = $1`,
    [trunkId, probe],
  );
}

/** A probe that left the trunk down: only its result is kept. */
export async function recordProbe(pool: Pool, trunkId: string, probe: string): Promise<void> {
  await pool.query('UPDATE trunk_health SET last_probe = $2 WHERE trunk_id = $1', [trunkId, probe]);
}

/** Counts a technical failure of the trunk; the threshold reached (or a half-open call failed), it goes down. */
export async function recordTrunkFailure(
  pool: Pool,
  trunkId: string,
  reason: string,
  breaker: { readonly failures: number; readonly holdSeconds: number },
): Promise<void> {
  await pool.query(
    `INSERT INTO trunk_health AS h (trunk_id, consecutive_failures, down_until, last_failure_at, last_failure, updated_at)
     SELECT $1, 1, CASE WHEN $3 > 0 AND 1 >= $3 THEN now() + make_interval(secs => $4) END, now(), $2, now()
     WHERE EXISTS (SELECT 1 FROM sip_trunk WHERE id = $1)
     ON CONFLICT (trunk_id) DO UPDATE SET consecutive_failures = h.consecutive_failures + 1,
       down_until = CASE WHEN $3 > 0 AND h.consecutive_failures + 1 >= $3 THEN now() + make_interval(secs => $4)
         ELSE h.down_until END,
       last_failure_at = now(), last_failure = excluded.last_failure, updated_at = now()`,
    [trunkId, reason.slice(0, 200), breaker.failures, breaker.holdSeconds],
  );
}

/** The trunk answered: its failures start again from none and it is up (one write only when it was not). */
export async function recordTrunkAnswer(pool: Pool, trunkId: string): Promise<void> {
  await pool.query(
    `UPDATE trunk_health SET consecutive_failures = 0, down_until = NULL, updated_at = now()
     WHERE trunk_id = $1 AND (consecutive_failures > 0 OR down_until IS NOT NULL)`,
    [trunkId],
  );
}

/** A trunk's breaker as the trunk choice reads it. */
export interface TrunkHealthRow {
  trunk_id: string;
  consecutive_failures: number;
  down: boolean;
  down_until: string | Date | null;
}

/** The breaker's rows of these trunks, locked (FOR UPDATE): a half-open trunk is claimed by one caller. */
export async function lockTrunkHealth(client: PoolClient, trunkIds: readonly string[]): Promise<TrunkHealthRow[]> {
  const { rows } = await client.query<TrunkHealthRow>(
    `SELECT trunk_id::text AS trunk_id, consecutive_failures, down_until, coalesce(down_until > now(), false) AS down
     FROM trunk_health WHERE trunk_id = ANY($1::uuid[]) ORDER BY trunk_id FOR UPDATE`,
    [trunkIds],
  );
  return rows;
}

/** A half-open trunk taken by one call: held down one more hold, so the others keep skipping it. */
export async function extendTrunkHold(client: PoolClient, trunkId: string, holdSeconds: number): Promise<void> {
  await client.query(
    `UPDATE trunk_health SET down_until = now() + make_interval(secs => $2), updated_at = now() WHERE trunk_id = $1`,
    [trunkId, holdSeconds],
  );
}
