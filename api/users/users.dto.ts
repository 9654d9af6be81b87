import type { DepartmentRef } from '../departments/departments.dto.js';
import type { Role } from '../../db/entities/index.js';

export interface UserView {
  /** @format uuid */
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateUserRequest {
  /**
   * Letters, digits, dot, dash, underscore or @; case-insensitive (stored lower-case).
   * @minLength 3
   * @maxLength 64
   * @pattern ^[A-Za-z0-9._@-]+$
   */
  username: string;
  /**
   * @minLength 12
   * @maxLength 256
   */
  password: string;
  role?: Role;
  /** @maxLength 200 */
  displayName?: string;
}

export interface UpdateUserRequest {
  /**
   * A new password; every session of the user ends (refresh tokens revoked, access tokens refused).
   * @minLength 12
   * @maxLength 256
   */
  password?: string;
  role?: Role;
  /** @maxLength 200 */
  displayName?: string | null;
  /** A disabled user cannot log in, and their tokens and sessions stop working at once. */
  disabled?: boolean;
}

export interface ChangePasswordRequest {
  /** @maxLength 256 */
  currentPassword: string;
  /**
   * @minLength 12
   * @maxLength 256
   */
  newPassword: string;
}

export interface UserPage {
  items: UserView[];
  /** Pass as `after` to get the next page; absent on the last page. */
  nextCursor?: string;
}

export interface MeView extends UserView {
  /** `user` for a person, `client` for a machine client acting for its owner. */
  kind: 'user' | 'client';
  clientId?: string;
  /** The department the user (a client's owner) belongs to; null: none. */
  department: DepartmentRef | null;
  /** The departments the user manages (docs/departments.md). */
  managedDepartments: DepartmentRef[];
}
