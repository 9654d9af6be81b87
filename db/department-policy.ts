/**
 * The department limits a campaign's calls count against: its owner's department's
 * (`user.department_id`, `department`'s limit columns, set by an administrator through the
 * departments API). Read by the worker at each call and by `GET /api/v1/policies`.
 */
import type { DepartmentLimits } from '../campaign/department-policy.js';
import type { Pool } from './sql.js';

/** The owner's department and its limits, or null when the owner belongs to none. */
export async function loadDepartmentLimits(pool: Pool, ownerId: string): Promise<DepartmentLimits | null> {
  const { rows } = await pool.query<{
    id: string;
    name: string;
    max_concurrent_calls: number | null;
    max_calls_per_day: number | null;
    frequency_cap_max_calls: number | null;
    frequency_cap_window_seconds: number | null;
  }>(
    `SELECT d.id, d.name, d.max_concurrent_calls, d.max_calls_per_day, d.frequency_cap_max_calls,
       d.frequency_cap_window_seconds
     FROM "user" u JOIN department d ON d.id = u.department_id WHERE u.id = $1`,
    [ownerId],
  );
  const d = rows[0];
  if (!d) return null;
  const cap =
    d.frequency_cap_max_calls !== null && d.frequency_cap_max_calls > 0 && d.frequency_cap_window_seconds !== null
      ? { maxCalls: d.frequency_cap_max_calls, windowSeconds: d.frequency_cap_window_seconds }
      : null;
  return {
    departmentId: d.id,
    name: d.name,
    maxConcurrentCalls: d.max_concurrent_calls,
    maxCallsPerDay: d.max_calls_per_day,
    frequencyCap: cap,
  };
}
