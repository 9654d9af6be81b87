/**
 * Departments, their members and managers for tests (issue 25), made through the
 * departments API as an administrator would (docs/departments.md). The principal reads
 * `user.department_id` and `department_manager` on every request, so a token issued before
 * a change sees it.
 */
import { randomUUID } from 'node:crypto';
import { adminToken, call } from './api';

export interface TestDepartment {
  readonly id: string;
  readonly name: string;
}

/** A department's limits, as `POST /api/v1/departments` takes them. */
export interface DepartmentSpec {
  readonly name?: string;
  readonly maxConcurrentCalls?: number | null;
  readonly maxCallsPerDay?: number | null;
  readonly frequencyCap?: { readonly maxCalls: number; readonly windowSeconds: number } | null;
}

async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${await res.text()}`);
  return res;
}

/** A department named uniquely (unless `spec.name`), with the limits given. */
export async function createDepartment(spec: DepartmentSpec = {}): Promise<TestDepartment> {
  const body = { ...spec, name: spec.name ?? `dept-${randomUUID().slice(0, 8)}` };
  const res = await call('POST', '/api/v1/departments', { token: await adminToken(), body });
  const created = (await (await expectStatus(res, 201, 'create a department')).json()) as TestDepartment;
  return { id: created.id, name: created.name };
}

/** Puts the users in the department (a user belongs to one at most: any other membership ends). */
export async function addMember(departmentId: string, ...userIds: string[]): Promise<void> {
  for (const userId of userIds) {
    const res = await call('PUT', `/api/v1/departments/${departmentId}/members/${userId}`, {
      token: await adminToken(),
    });
    await expectStatus(res, 200, 'add a member');
  }
}

export async function addManager(departmentId: string, userId: string): Promise<void> {
  const res = await call('PUT', `/api/v1/departments/${departmentId}/managers/${userId}`, {
    token: await adminToken(),
  });
  await expectStatus(res, 204, 'add a manager');
}

/** Removes the departments (members are left in none, shares undone; managers go with them). */
export async function deleteDepartments(ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await expectStatus(
      await call('DELETE', `/api/v1/departments/${id}`, { token: await adminToken() }),
      204,
      'delete a department',
    );
  }
}
