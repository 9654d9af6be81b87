/**
 * Username/password authentication against the `user` table. Usernames are matched
 * case-insensitively (stored lower-case). Unknown and disabled users cost the same time
 * as a wrong password.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../db/entities/index.js';
import { burnVerification, verifyPassword } from './password.js';

export const normalizeUsername = (username: string): string => username.trim().toLowerCase();

export async function authenticate(em: EntityManager, username: string, password: string): Promise<User | undefined> {
  const user = await em.fork().findOne(User, { username: normalizeUsername(username) }, { populate: ['passwordHash'] });
  if (!user || user.disabled) {
    await burnVerification(password);
    return undefined;
  }
  return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
}

/** Active user by id, or undefined when missing or disabled. */
export async function findActiveUser(em: EntityManager, id: string): Promise<User | undefined> {
  const user = await em.fork().findOne(User, { id });
  return user && !user.disabled ? user : undefined;
}
