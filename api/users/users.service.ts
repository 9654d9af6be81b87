import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { normalizeUsername } from '../../auth/accounts.js';
import { revokeAccount } from '../../db/oidc-payload.js';
import type { LoginThrottle } from '../../auth/login-throttle.js';
import { hashPassword, verifyPassword } from '../../auth/password.js';
import { requireAdmin, type Principal } from '../../auth/principal.js';
import { User } from '../../db/entities/index.js';
import type { Pool } from '../../db/sql.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
} from '../../lib/errors.js';
import { keysetPage } from '../keyset-cursor.js';
import type { ChangePasswordRequest, CreateUserRequest, UpdateUserRequest, UserPage, UserView } from './users.dto.js';

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
    private readonly throttle: LoginThrottle,
  ) {}

  async get(principal: Principal, id: string): Promise<UserView> {
    if (principal.userId !== id) requireUserAdmin(principal);
    return toUserView(await this.find(this.em.fork(), id));
  }

  async list(principal: Principal, limit: number, after?: string): Promise<UserPage> {
    requireUserAdmin(principal);
    const from = after === undefined ? undefined : decodeUsernameCursor(after);
    const users = await this.em.fork().find(User, from === undefined ? {} : { username: { $gt: from } }, {
      orderBy: { username: 'asc' },
      limit: limit + 1,
    });
    return keysetPage(users, limit, toUserView, (user) => Buffer.from(user.username).toString('base64url'));
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

  /**
   * A password change or a disable ends every session of the user: their refresh tokens and
   * grants are deleted after the change commits, so their access tokens fail on the next
   * request (token-verifier.ts checks the grant). Deleting after the commit, together with
   * the password grant's re-check of the stored hash, leaves no window in which a login
   * with the old password keeps a grant.
   */
  async update(principal: Principal, id: string, body: UpdateUserRequest): Promise<UserView> {
    requireUserAdmin(principal);
    const em = this.em.fork();
    const view = await em.transactional(async (tx) => {
      const losesAdmin = body.role === 'user' || body.disabled === true;
      // Lock every active admin (in id order, so concurrent updates queue rather than
      // deadlock) before reading the user: two concurrent demotions of the last two admins
      // then see each other's commit and the second is refused (F31). A plain count under
      // READ COMMITTED let both pass.
      const admins = losesAdmin
        ? await tx.find(
            User,
            { role: 'admin', disabled: false },
            { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
          )
        : [];
      const user = await this.find(tx, id);
      if (losesAdmin && user.role === 'admin' && !user.disabled && admins.every((a) => a.id === user.id)) {
        throw new ConflictError('This is the last active administrator; keep at least one.');
      }
      if (body.password !== undefined) user.passwordHash = await hashPassword(body.password);
      if (body.role !== undefined) user.role = body.role;
      if (body.displayName !== undefined) user.displayName = body.displayName;
      if (body.disabled !== undefined) user.disabled = body.disabled;
      await tx.flush();
      return toUserView(user);
    });
    if (body.disabled === true || body.password !== undefined) await revokeAccount(this.pool, view.id);
    return view;
  }

  /**
   * The caller changes their own password, proving the current one; every session of the
   * user ends, this one included. Wrong current passwords count as failed logins for the
   * user from this address (login-throttle.ts), so a stolen access token is no way round
   * the login throttle.
   */
  async changeOwnPassword(principal: Principal, body: ChangePasswordRequest, ip: string): Promise<void> {
    if (principal.kind !== 'user') {
      throw new ForbiddenError("A machine client cannot change its owner's password; log in as the user.");
    }
    const em = this.em.fork();
    const user = await em.findOne(User, { id: principal.userId }, { populate: ['passwordHash'] });
    if (!user) throw new NotFoundError(`User ${principal.userId}`);
    const attempt = await this.throttle.reserve(user.username, ip);
    if (!attempt.allowed) throw new TooManyRequestsError(attempt.retryAfter);
    if (!(await verifyPassword(body.currentPassword, user.passwordHash))) {
      throw new ValidationError([{ field: 'body.currentPassword', message: 'is not your current password' }]);
    }
    await this.throttle.succeeded(attempt);
    user.passwordHash = await hashPassword(body.newPassword);
    await em.flush();
    await revokeAccount(this.pool, user.id);
  }

  private async find(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, { id });
    if (!user) throw new NotFoundError(`User ${id}`);
    return user;
  }
}

/** The username a users cursor carries (opaque to clients); anything else is a 422 naming `after`. */
function decodeUsernameCursor(cursor: string): string {
  const username = Buffer.from(cursor, 'base64url').toString('utf8');
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (!/^[^\u0000-\u001f\u007f]{1,200}$/u.test(username) || Buffer.from(username).toString('base64url') !== cursor) {
    throw new ValidationError([{ field: 'after', message: 'not a cursor from a previous page' }]);
  }
  return username;
}
