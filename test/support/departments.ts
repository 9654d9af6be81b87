/**
 * Departments for tests, written straight to PostgreSQL: the departments API is another
 * branch's (issue 25); once it is merged these should go through it (POST
 * /api/v1/departments, the membership endpoint and the limits' PUT).
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export interface DepartmentSpec {
  readonly maxConcurrentCalls?: number | null;
  readonly maxCallsPerDay?: number | null;
  readonly frequencyCap?: { readonly maxCalls: number; readonly windowSeconds: number } | null;
}

/** A department named uniquely, with these limits; returns its id. */
export async function createDepartment(db: Pool, spec: DepartmentSpec = {}): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO department (id, name, max_concurrent_calls, max_calls_per_day, frequency_cap_max_calls,
       frequency_cap_window_seconds, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), now())`,
    [
      id,
      `dept-${id.slice(0, 8)}`,
      spec.maxConcurrentCalls ?? null,
      spec.maxCallsPerDay ?? null,
      spec.frequencyCap?.maxCalls ?? null,
      spec.frequencyCap?.windowSeconds ?? null,
    ],
  );
  return id;
}

/** Puts the users in the department. */
export async function joinDepartment(db: Pool, departmentId: string, ...userIds: string[]): Promise<void> {
  await db.query('UPDATE "user" SET department_id = $1 WHERE id = ANY($2::uuid[])', [departmentId, userIds]);
}
