import { requireAdmin, type Principal } from '../../auth/principal.js';
import { effectiveLimits, type DepartmentLimits } from '../../campaign/department-policy.js';
import { loadDepartmentLimits } from '../../db/department-policy.js';
import { loadOwnerPolicy, saveOwnerLimits, saveOwnerPolicy, type OwnerLimitColumn } from '../../db/owner-policy.js';
import type { Pool } from '../../db/sql.js';
import { userExists } from '../../db/users.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import {
  frequencyCapFloorProblems,
  frequencyCapProblems,
  type EffectivePolicy,
  type PolicyDefaults,
} from '../../campaign/owner-policy.js';
import type { LimitsView, PolicyView, UpdateLimitsRequest, UpdatePolicyRequest } from './policies.dto.js';

const toPolicyView = (policy: EffectivePolicy, dept: DepartmentLimits | null): PolicyView => ({
  ...policy,
  department: dept && {
    id: dept.departmentId,
    name: dept.name,
    maxConcurrentCalls: dept.maxConcurrentCalls,
    maxCallsPerDay: dept.maxCallsPerDay,
    frequencyCap: dept.frequencyCap,
  },
  effective: effectiveLimits(policy, dept),
});

/**
 * Communication policies: the owner's frequency cap (the caller's own, set by the caller,
 * never looser than the installation's) and the tenant limit (set by an administrator per user). Stored in `owner_policy`, one
 * upsert per change, each touching only its own columns; read back as they apply.
 */
export class PoliciesService {
  constructor(
    private readonly pool: Pool,
    private readonly defaults: PolicyDefaults,
  ) {}

  async get(principal: Principal): Promise<PolicyView> {
    const [policy, dept] = await Promise.all([
      loadOwnerPolicy(this.pool, principal.userId, this.defaults),
      loadDepartmentLimits(this.pool, principal.userId),
    ]);
    return toPolicyView(policy, dept);
  }

  async update(principal: Principal, body: UpdatePolicyRequest): Promise<PolicyView> {
    // Left out: follow the default (null); null: the owner turned it off (0).
    const cap = body.frequencyCap;
    let problems = cap ? frequencyCapProblems(cap) : [];
    // The installation's cap is a floor: tighter is fine, looser or off is a 422 (F23).
    if (problems.length === 0 && cap !== undefined)
      problems = frequencyCapFloorProblems(cap, this.defaults.frequencyCap);
    if (problems.length > 0) {
      throw new ValidationError(
        problems.map(([field, message]) => ({
          field: field ? `body.frequencyCap.${field}` : 'body.frequencyCap',
          message,
        })),
      );
    }
    const profile = body.complianceProfile ?? 'none';
    await saveOwnerPolicy(this.pool, principal.userId, {
      frequencyCapMaxCalls: cap === undefined ? null : (cap?.maxCalls ?? 0),
      frequencyCapWindowSeconds: cap?.windowSeconds ?? null,
      complianceProfile: profile === 'none' ? null : profile,
    });
    return this.get(principal);
  }

  async getLimits(principal: Principal, userId: string): Promise<LimitsView> {
    requireAdmin(principal, "see a user's limits");
    await this.requireUser(userId);
    return this.limitsView(userId);
  }

  async updateLimits(principal: Principal, userId: string, body: UpdateLimitsRequest): Promise<LimitsView> {
    requireAdmin(principal, "set a user's limits");
    const columns = (
      [
        ['max_concurrent_calls', body.maxConcurrentCalls],
        ['max_webhooks', body.maxWebhooks],
        ['max_uploads_in_flight', body.maxUploadsInFlight],
      ] as const
    ).filter((column): column is readonly [OwnerLimitColumn, number | null] => column[1] !== undefined);
    if (columns.length === 0) {
      const message = 'give at least one of maxConcurrentCalls, maxWebhooks, maxUploadsInFlight';
      throw new ValidationError([
        { field: 'body.maxConcurrentCalls', message },
        { field: 'body.maxWebhooks', message },
        { field: 'body.maxUploadsInFlight', message },
      ]);
    }
    await this.requireUser(userId);
    await saveOwnerLimits(this.pool, userId, columns);
    return this.limitsView(userId);
  }

  private async limitsView(userId: string): Promise<LimitsView> {
    const policy = await loadOwnerPolicy(this.pool, userId, this.defaults);
    const { maxConcurrentCalls, maxConcurrentCallsSource, maxWebhooks, maxWebhooksSource } = policy;
    const { maxUploadsInFlight, maxUploadsInFlightSource } = policy;
    return {
      userId,
      maxConcurrentCalls,
      maxConcurrentCallsSource,
      maxWebhooks,
      maxWebhooksSource,
      maxUploadsInFlight,
      maxUploadsInFlightSource,
    };
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await userExists(this.pool, userId))) throw new NotFoundError(`User ${userId}`);
  }
}
