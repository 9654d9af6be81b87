/**
 * Departments and their members and managers, made with SQL (issue 25). The departments API
 * is being built on its own branch; once it is merged, these helpers should call it
 * (`POST /api/v1/departments`, memberships and managers) instead of writing the tables.
 * The principal reads `user.department_id` and `department_manager` on every request, so a
 * token issued before the change sees it.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export interface TestDepartment {
  readonly id: string;
  readonly name: string;
}

export async function createDepartment(db: Pool, name = `dept-${randomUUID().slice(0, 8)}`): Promise<TestDepartment> {
  const id = randomUUID();
  await db.query('INSERT INTO department (id, name, created_at, updated_at) VALUES ($1, $2, now(), now())', [id, name]);
  return { id, name };
}

/** Puts `userId` in the department (a user belongs to one at most: any other membership ends). */
export async function addMember(db: Pool, departmentId: string, userId: string): Promise<void> {
  await db.query('UPDATE "user" SET department_id = $1 WHERE id = $2', [departmentId, userId]);
}

export async function addManager(db: Pool, departmentId: string, userId: string): Promise<void> {
  await db.query('INSERT INTO department_manager (department_id, user_id) VALUES ($1, $2)', [departmentId, userId]);
}

/** Removes the departments (members are left in none; managers go with them). */
export async function deleteDepartments(db: Pool, ids: readonly string[]): Promise<void> {
  await db.query('DELETE FROM department WHERE id = ANY($1::uuid[])', [ids]);
}
