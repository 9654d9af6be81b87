/**
 * Creates the initial administrator from ADMIN_USERNAME / ADMIN_PASSWORD when no user of
 * that name exists. An existing user is never changed (the password in the environment is
 * only for the first start).
 */
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { User } from '../db/entities/index.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { normalizeUsername } from './accounts.js';
import { hashPassword } from './password.js';

export async function ensureAdmin(em: EntityManager, admin: Config['auth']['admin'], logger: Logger): Promise<void> {
  if (!admin) return;
  const fork = em.fork();
  const username = normalizeUsername(admin.username);
  if (await fork.findOne(User, { username })) return;
  fork.create(User, {
    username,
    displayName: null,
    role: 'admin',
    passwordHash: await hashPassword(admin.password),
    disabled: false,
  });
  try {
    await fork.flush();
    logger.info({ username }, 'created the initial administrator');
  } catch (err) {
    // Another replica created it first.
    if (!(err instanceof UniqueConstraintViolationException)) throw err;
  }
}
