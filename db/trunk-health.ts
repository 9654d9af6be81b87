/**
 * `trunk_health`: the trunk circuit breaker's state. The breaker's own statements are still
 * activities/trunk-breaker.ts's (db/README.md, "Not moved yet"); here, what the API reads.
 */
import type { Pool } from './sql.js';

/** How many trunks the breaker holds down now, every owner's (the `voicecast_trunks_down` gauge). */
export async function countTrunksDown(pool: Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM trunk_health WHERE down_until > now()',
  );
  return rows[0]?.n;
}
