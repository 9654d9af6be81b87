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
