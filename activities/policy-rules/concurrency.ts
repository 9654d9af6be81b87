/**
 * Rule `concurrency` (order 40, lines): simultaneous calls under the owner's limit (an
 * administrator's, or the installation's default) and the department's, across every
 * worker: one `call_lease` row per scope (`owner:<id>`, `department:<id>`), taken all at once
 * with the trunk line (`trunk:<id>`, the trunk's own limit) by trunk-choice.ts. Not a
 * refusal: the call waits for a place, as it always has; so this rule gives the places the
 * call takes rather than a verdict.
 */
import type { DepartmentLimits } from '../../campaign/department-policy.js';
import type { EffectivePolicy } from '../../campaign/owner-policy.js';
import { ownerScope, type LeaseLimit } from '../call-leases.js';

export const departmentScope = (departmentId: string): string => `department:${departmentId}`;

/** The limited scopes (besides the trunk's) a call of the owner holds a place in. */
export function concurrencyLimits(
  ownerId: string,
  owner: Pick<EffectivePolicy, 'maxConcurrentCalls'>,
  department: DepartmentLimits | null,
): LeaseLimit[] {
  const limits: LeaseLimit[] = [];
  if (owner.maxConcurrentCalls !== null) limits.push({ scope: ownerScope(ownerId), max: owner.maxConcurrentCalls });
  if (department?.maxConcurrentCalls !== null && department?.maxConcurrentCalls !== undefined) {
    limits.push({ scope: departmentScope(department.departmentId), max: department.maxConcurrentCalls });
  }
  return limits;
}
