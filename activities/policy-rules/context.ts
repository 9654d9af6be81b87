/**
 * What the policy rules of each stage know of the call about to be placed
 * (campaign/policy-rules/rule.ts has the interface and the order).
 */
import type { DepartmentLimits } from '../../campaign/department-policy.js';
import type { FrequencyCap } from '../../campaign/owner-policy.js';
import type { Pool, PoolClient } from '../../db/sql.js';

/** `admit`: before the trunk line is taken, and again once it is held. */
export interface AdmitContext {
  readonly pool: Pool;
  readonly ownerId: string;
  /** The owner's department (null: none); its members' reservations are the campaign's own. */
  readonly departmentId: string | null;
  readonly phone: string;
  /** DIAL_DENIED_PREFIXES. */
  readonly deniedPrefixes: readonly string[] | undefined;
}

/** `ledger`: in the transaction that writes the dial's ledger row, before the row. */
export interface LedgerContext {
  readonly client: PoolClient;
  readonly ownerId: string;
  readonly phone: string;
  /** The owner's cap (owner or installation); null: none. */
  readonly cap: FrequencyCap | null;
  /** The `uk` compliance profile is in force (the campaign's or the owner's). */
  readonly abandonedHold: boolean;
  /** The owner's department's limits; null: no department (or a failed-over attempt, which was counted already). */
  readonly department: DepartmentLimits | null;
}
