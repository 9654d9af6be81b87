/**
 * Departments (issue 25, docs/departments.md): installation administrators create, rename
 * and delete them and decide who is a member or a manager; a department's managers read it
 * and its members and set its limits. Anyone else gets 403 from this API, and a manager
 * asking for a department they do not manage gets 404 (its existence is not disclosed).
 */
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { isAdmin, requireAdmin, type Principal } from '../../auth/principal.js';
import {
  addManager,
  deleteDepartment,
  departmentNames,
  lockDepartment,
  lockMembership,
  removeManager,
  setMembership,
  unshareOwnedBy,
} from '../../db/departments.js';
import { Department, DepartmentManager, User } from '../../db/entities/index.js';
import { inTransaction, type Pool } from '../../db/sql.js';
import { userExists } from '../../db/users.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { keysetPage } from '../keyset-cursor.js';
import { decodeNameCursor, departmentNameProblem, nameCursor } from './department-names.js';
import type {
  CreateDepartmentRequest,
  DepartmentMemberPage,
  DepartmentMemberView,
  DepartmentRef,
  DepartmentPage,
  DepartmentView,
  UpdateDepartmentRequest,
} from './departments.dto.js';

export const toDepartmentView = (d: Department): DepartmentView => ({
  id: d.id,
  name: d.name,
  maxConcurrentCalls: d.maxConcurrentCalls ?? null,
  maxCallsPerDay: d.maxCallsPerDay ?? null,
  frequencyCap:
    d.frequencyCapMaxCalls === null ||
    d.frequencyCapMaxCalls === undefined ||
    d.frequencyCapWindowSeconds === null ||
    d.frequencyCapWindowSeconds === undefined
      ? null
      : { maxCalls: d.frequencyCapMaxCalls, windowSeconds: d.frequencyCapWindowSeconds },
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class DepartmentsService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
  ) {}

  /** All departments for an administrator, the managed ones for a manager; by name. */
  async list(principal: Principal, limit: number, after?: string): Promise<DepartmentPage> {
    requireReader(principal);
    const from = after === undefined ? undefined : decodeNameCursor(after);
    const where = {
      ...(isAdmin(principal) ? {} : { id: { $in: [...principal.managedDepartmentIds] } }),
      ...(from === undefined ? {} : { name: { $gt: from } }),
    };
    const rows = await this.em.fork().find(Department, where, { orderBy: { name: 'asc' }, limit: limit + 1 });
    return keysetPage(rows, limit, toDepartmentView, (d) => nameCursor(d.name));
  }

  async get(principal: Principal, id: string): Promise<DepartmentView> {
    return toDepartmentView(await this.find(this.em.fork(), principal, id));
  }

  async create(principal: Principal, body: CreateDepartmentRequest): Promise<DepartmentView> {
    requireAdmin(principal, 'create departments');
    checkName(body.name);
    const em = this.em.fork();
    const department = em.create(Department, { name: body.name });
    applyLimits(department, body);
    await flushNamed(em, body.name);
    return toDepartmentView(department);
  }

  /** Limits by a manager or an administrator; the name by an administrator only. */
  async update(principal: Principal, id: string, body: UpdateDepartmentRequest): Promise<DepartmentView> {
    const em = this.em.fork();
    const department = await this.find(em, principal, id);
    if (body.name !== undefined) {
      requireAdmin(principal, 'rename departments');
      checkName(body.name);
      department.name = body.name;
    }
    applyLimits(department, body);
    await flushNamed(em, department.name);
    return toDepartmentView(department);
  }

  /** Deletes the department: what was shared with it is un-shared, its members belong to none. */
  async delete(principal: Principal, id: string): Promise<void> {
    requireAdmin(principal, 'delete departments');
    const deleted = UUID.test(id) && (await inTransaction(this.pool, (client) => deleteDepartment(client, id)));
    if (!deleted) throw new NotFoundError(`Department ${id}`);
  }

  /** The department's members by username (managers and administrators). */
  async members(principal: Principal, id: string, limit: number, after?: string): Promise<DepartmentMemberPage> {
    const em = this.em.fork();
    await this.find(em, principal, id);
    const from = after === undefined ? undefined : decodeNameCursor(after);
    const users = await em.find(
      User,
      { department: id, ...(from === undefined ? {} : { username: { $gt: from } }) },
      { orderBy: { username: 'asc' }, limit: limit + 1 },
    );
    const managers = new Set(
      (await em.find(DepartmentManager, { department: id, user: { $in: users.map((u) => u.id) } })).map(
        (m) => m.user.id,
      ),
    );
    return keysetPage(
      users,
      limit,
      (u) => memberView(u, managers.has(u.id)),
      (u) => nameCursor(u.username),
    );
  }

  /**
   * Puts the user in the department, moving them out of the one they were in. Sharing
   * follows the owner: what the user shared with their former department is un-shared, in
   * the same transaction.
   */
  async addMember(principal: Principal, id: string, userId: string): Promise<DepartmentMemberView> {
    requireAdmin(principal, 'change department membership');
    await inTransaction(this.pool, async (client) => {
      if (!(await lockDepartment(client, id))) throw new NotFoundError(`Department ${id}`);
      const current = await lockMembership(client, userId);
      if (current === undefined) throw new NotFoundError(`User ${userId}`);
      if (current.departmentId === id) return;
      await unshareOwnedBy(client, userId);
      await setMembership(client, userId, id);
    });
    return this.member(id, userId);
  }

  /** Takes the user out of the department; what they shared with it is un-shared. */
  async removeMember(principal: Principal, id: string, userId: string): Promise<void> {
    requireAdmin(principal, 'change department membership');
    await inTransaction(this.pool, async (client) => {
      const current = await lockMembership(client, userId);
      if (current?.departmentId !== id) throw new NotFoundError(`Member ${userId} of department ${id}`);
      await unshareOwnedBy(client, userId);
      await setMembership(client, userId, null);
    });
  }

  /** Makes the user a manager of the department (they need not be a member). */
  async addManager(principal: Principal, id: string, userId: string): Promise<void> {
    requireAdmin(principal, 'appoint department managers');
    await inTransaction(this.pool, async (client) => {
      if (!(await lockDepartment(client, id))) throw new NotFoundError(`Department ${id}`);
      if (!(await userExists(this.pool, userId))) throw new NotFoundError(`User ${userId}`);
      await addManager(client, id, userId);
    });
  }

  async removeManager(principal: Principal, id: string, userId: string): Promise<void> {
    requireAdmin(principal, 'appoint department managers');
    if (!(await removeManager(this.pool, id, userId))) {
      throw new NotFoundError(`Manager ${userId} of department ${id}`);
    }
  }

  /** The caller's department and the departments they manage, for `GET /api/v1/me`. */
  async ofPrincipal(principal: Principal): Promise<{ department: DepartmentRef | null; managed: DepartmentRef[] }> {
    const ids = [
      ...new Set([...(principal.departmentId ? [principal.departmentId] : []), ...principal.managedDepartmentIds]),
    ];
    const refs = await departmentNames(this.pool, ids);
    return {
      department: refs.find((d) => d.id === principal.departmentId) ?? null,
      managed: refs.filter((d) => principal.managedDepartmentIds.includes(d.id)),
    };
  }

  private async member(id: string, userId: string): Promise<DepartmentMemberView> {
    const em = this.em.fork();
    const user = await em.findOneOrFail(User, { id: userId });
    return memberView(user, (await em.count(DepartmentManager, { department: id, user: userId })) > 0);
  }

  /** The department when the caller manages it or is an administrator; 403 / 404 otherwise. */
  private async find(em: EntityManager, principal: Principal, id: string): Promise<Department> {
    requireReader(principal);
    const visible = isAdmin(principal) || principal.managedDepartmentIds.includes(id);
    const department = visible && UUID.test(id) ? await em.findOne(Department, { id }) : null;
    if (!department) throw new NotFoundError(`Department ${id}`);
    return department;
  }
}

const memberView = (u: User, manager: boolean): DepartmentMemberView => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName ?? null,
  manager,
});

/** Administrators and the managers of at least one department use this API; others get 403. */
function requireReader(principal: Principal): void {
  if (!isAdmin(principal) && principal.managedDepartmentIds.length === 0) {
    throw new ForbiddenError('Only administrators and department managers can use the departments API.');
  }
}

function checkName(name: string): void {
  const problem = departmentNameProblem(name);
  if (problem) throw new ValidationError([{ field: 'body.name', message: problem }]);
}

function applyLimits(d: Department, body: UpdateDepartmentRequest): void {
  if (body.maxConcurrentCalls !== undefined) d.maxConcurrentCalls = body.maxConcurrentCalls;
  if (body.maxCallsPerDay !== undefined) d.maxCallsPerDay = body.maxCallsPerDay;
  if (body.frequencyCap !== undefined) {
    d.frequencyCapMaxCalls = body.frequencyCap?.maxCalls ?? null;
    d.frequencyCapWindowSeconds = body.frequencyCap?.windowSeconds ?? null;
  }
}

/** Flushes a created or renamed department; a name taken (in any case) is a 409 naming it. */
async function flushNamed(em: EntityManager, name: string): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      throw new ConflictError(`A department named ${JSON.stringify(name)} exists already (names ignore case).`, [
        { field: 'body.name', message: 'already taken' },
      ]);
    }
    throw err;
  }
}
