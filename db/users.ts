/**
 * `user` rows as the API's services use them around other tables: whether an owner exists,
 * and the owner's row locked to serialise a count-then-insert under a per-owner limit. The
 * auth reads of `user` are db/auth-accounts.ts's.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Pool } from './sql.js';

/** Whether a user with this id exists. */
export async function userExists(pool: Pool, userId: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM "user" WHERE id = $1', [userId]);
  return Boolean(rowCount);
}

/**
 * Locks the user's row until the end of `em`'s transaction, so that two creates of the same
 * owner checking a limit (count, then insert) run one after the other.
 */
export async function lockUser(em: EntityManager, userId: string): Promise<void> {
  await em.execute('SELECT 1 FROM "user" WHERE id = ? FOR UPDATE', [userId]);
}
