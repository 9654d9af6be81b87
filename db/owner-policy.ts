/**
 * An owner's communication policies as they apply (the stored row over the installation's
 * defaults), read by the API to show them and by the worker to enforce them.
 */
import type { Pool } from './sql.js';
import {
  effectivePolicy,
  type EffectivePolicy,
  type PolicyDefaults,
  type StoredPolicy,
} from '../campaign/owner-policy.js';

export async function loadOwnerPolicy(pool: Pool, ownerId: string, defaults: PolicyDefaults): Promise<EffectivePolicy> {
  const { rows } = await pool.query<StoredPolicy>(
    `SELECT frequency_cap_max_calls AS "frequencyCapMaxCalls", frequency_cap_window_seconds AS "frequencyCapWindowSeconds",
       max_concurrent_calls AS "maxConcurrentCalls", max_webhooks AS "maxWebhooks",
       max_uploads_in_flight AS "maxUploadsInFlight", compliance_profile AS "complianceProfile"
     FROM owner_policy WHERE owner_id = $1`,
    [ownerId],
  );
  return effectivePolicy(rows[0], defaults);
}

/** The owner's own policy (frequency cap, compliance profile): one upsert of those columns only. */
export async function saveOwnerPolicy(
  pool: Pool,
  ownerId: string,
  policy: {
    readonly frequencyCapMaxCalls: number | null;
    readonly frequencyCapWindowSeconds: number | null;
    readonly complianceProfile: string | null;
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO owner_policy (owner_id, frequency_cap_max_calls, frequency_cap_window_seconds, compliance_profile, updated_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (owner_id) DO UPDATE SET frequency_cap_max_calls = excluded.frequency_cap_max_calls,
       frequency_cap_window_seconds = excluded.frequency_cap_window_seconds,
       compliance_profile = excluded.compliance_profile, updated_at = now()`,
    [ownerId, policy.frequencyCapMaxCalls, policy.frequencyCapWindowSeconds, policy.complianceProfile],
  );
}

/** A tenant limit an administrator sets (its column; a number, or null to follow the default). */
export type OwnerLimitColumn = 'max_concurrent_calls' | 'max_webhooks' | 'max_uploads_in_flight';

/** The limits given (at least one), one upsert touching only their columns. */
export async function saveOwnerLimits(
  pool: Pool,
  ownerId: string,
  limits: readonly (readonly [OwnerLimitColumn, number | null])[],
): Promise<void> {
  // Column names come from the type above, never from input.
  const names = limits.map(([name]) => name);
  await pool.query(
    `INSERT INTO owner_policy (owner_id, ${names.join(', ')}, updated_at)
     VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')}, now())
     ON CONFLICT (owner_id) DO UPDATE SET ${names.map((n) => `${n} = excluded.${n}`).join(', ')}, updated_at = now()`,
    [ownerId, ...limits.map(([, value]) => value)],
  );
}
