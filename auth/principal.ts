import type { Role } from '../db/entities/index.js';
import { ForbiddenError } from '../lib/errors.js';

/**
 * Who is calling, as established by the token verifier from a valid access token and the
 * current database state. `userId` is the owner whose resources the caller acts on: the
 * user itself, or the owner of a machine client.
 */
export interface Principal {
  readonly kind: 'user' | 'client';
  /** `sub` of the token: a user id or a machine client id. */
  readonly subject: string;
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly clientId?: string;
  /** The department the owner (`userId`) belongs to; null: none (issue 25). */
  readonly departmentId: string | null;
  /** Departments the owner manages besides being a member of one (`department_manager`). */
  readonly managedDepartmentIds: readonly string[];
}

export const isAdmin = (principal: Principal): boolean => principal.role === 'admin';

/** Throws 403 unless the caller is an administrator; `action` completes "Only administrators can …". */
export function requireAdmin(principal: Principal, action: string): void {
  if (!isAdmin(principal)) throw new ForbiddenError(`Only administrators can ${action}.`);
}
