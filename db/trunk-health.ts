/**
 * `trunk_health`: the trunk circuit breaker's state. The breaker's own statements are still
 * activities/trunk-breaker.ts's (db/README.md, "Not moved yet"); here, what the API reads and
 * the worker's OPTIONS prober (activities/trunk-prober.ts) writes.
 */
import type { Pool } from './sql.js';
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
