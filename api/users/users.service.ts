import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { normalizeUsername } from '../../auth/accounts.js';
import { revokeAccount } from '../../auth/oidc-adapter.js';
import { hashPassword } from '../../auth/password.js';
import { requireAdmin, type Principal } from '../../auth/principal.js';
import { User } from '../../db/entities/index.js';
import type { Pool } from '../../db/sql.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { keysetPage } from '../keyset-cursor.js';
import type { CreateUserRequest, UpdateUserRequest, UserPage, UserView } from './users.dto.js';

export const toUserView = (u: User): UserView => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName ?? null,
  role: u.role,
  disabled: u.disabled,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

const requireUserAdmin = (principal: Principal) => requireAdmin(principal, 'manage users');

export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
  ) {}

  async get(principal: Principal, id: string): Promise<UserView> {
    if (principal.userId !== id) requireUserAdmin(principal);
    return toUserView(await this.find(this.em.fork(), id));
  }

  async list(principal: Principal, limit: number, after?: string): Promise<UserPage> {
    requireUserAdmin(principal);
    const users = await this.em
      .fork()
      .find(User, after ? { username: { $gt: after } } : {}, { orderBy: { username: 'asc' }, limit: limit + 1 });
    return keysetPage(users, limit, toUserView, (user) => user.username);
  }

  async create(principal: Principal, body: CreateUserRequest): Promise<UserView> {
    requireUserAdmin(principal);
    const em = this.em.fork();
    const user = em.create(User, {
      username: normalizeUsername(body.username),
      displayName: body.displayName ?? null,
      role: body.role ?? 'user',
      passwordHash: await hashPassword(body.password),
      disabled: false,
    });
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new ConflictError(`The username ${user.username} is taken.`, [
          { field: 'body.username', message: 'already taken' },
        ]);
      }
      throw err;
    }
    return toUserView(user);
  }

  async update(principal: Principal, id: string, body: UpdateUserRequest): Promise<UserView> {
    requireUserAdmin(principal);
    const em = this.em.fork();
    return em.transactional(async (tx) => {
      const user = await this.find(tx, id);
      const losesAdmin = user.role === 'admin' && (body.role === 'user' || body.disabled === true);
      if (losesAdmin && !user.disabled) {
        const admins = await tx.count(User, { role: 'admin', disabled: false });
        if (admins <= 1) throw new ConflictError('This is the last active administrator; keep at least one.');
      }
      if (body.password !== undefined) user.passwordHash = await hashPassword(body.password);
      if (body.role !== undefined) user.role = body.role;
      if (body.displayName !== undefined) user.displayName = body.displayName;
      if (body.disabled !== undefined) user.disabled = body.disabled;
      await tx.flush();
      if (body.disabled === true) await revokeAccount(this.pool, user.id);
      return toUserView(user);
    });
  }

  private async find(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, { id });
    if (!user) throw new NotFoundError(`User ${id}`);
    return user;
  }
}
