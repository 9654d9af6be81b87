/**
 * Attempts that place no call for now: the contact is put back (its attempt given back, no
 * journal row, the next claim hands the same attempt id out again) and due again at `until`.
 * A policy rule's skip (`reserved`, `capped`, `abandoned_hold`, `daily_limit`) is journalled
 * in `policy_skip` too; `throttled` (no call slot, every trunk held down) is not a rule's.
 */
import type { AttemptReport, ClaimedAttempt } from '../campaign/campaign-types.js';
import { RULE_OF_SKIP, type SkipCode } from '../campaign/policy-rules/rule.js';
import { insertPolicySkip } from '../db/reservations.js';
import type { Pool } from '../db/sql.js';
import type { Logger } from '../lib/logger.js';
import { deferAttempt, type NumberedAttempt } from './call-journal.js';
import { loadDepartmentLimits } from '../db/department-policy.js';
import type { DepartmentLimits } from '../campaign/department-policy.js';
import type { RuleVerdict } from '../campaign/policy-rules/rule.js';
import { wasDialled } from './dial-ledger.js';
import { admitCall, type AdmitContext } from './policy-rules/index.js';

const superseded = (attempt: ClaimedAttempt): AttemptReport => ({
  attemptId: attempt.attemptId,
  outcome: 'superseded',
  retryAt: null,
});

/** No call now: the contact waits until `until` without having used an attempt. */
export async function defer(
  deps: { readonly pool: Pool; readonly logger?: Logger },
  attempt: ClaimedAttempt,
  until: Date,
  outcome: string,
): Promise<AttemptReport> {
  if (!(await deferAttempt(deps.pool, attempt, until))) return superseded(attempt);
  deps.logger?.debug({ attemptId: attempt.attemptId, until, outcome }, 'no call now; contact rescheduled');
  return { attemptId: attempt.attemptId, outcome, retryAt: until.toISOString() };
}

/** A policy rule's skip: deferred as {@link defer}, and journalled with its rule and code. */
export async function skipAttempt(
  deps: { readonly pool: Pool; readonly logger?: Logger },
  where: { readonly campaignId: string; readonly attempt: NumberedAttempt },
  code: SkipCode,
  until: Date,
): Promise<AttemptReport> {
  const report = await defer(deps, where.attempt, until, code);
  if (report.outcome === 'superseded') return report;
  await insertPolicySkip(deps.pool, {
    campaignId: where.campaignId,
    campaignContactId: where.attempt.campaignContactId,
    phone: where.attempt.phone,
    rule: RULE_OF_SKIP[code],
    code,
    retryAt: until,
  });
  return report;
}

/**
 * The policy's admit stage (blocklist, reservation) for an attempt about to take a line:
 * the refusal, if any, and what the later stages need. A skip is only a refusal when no
 * INVITE can have left for the attempt (`invitedBefore`: an earlier execution's heartbeat
 * says one did; or its dial is in the ledger): putting the contact back would hide a call.
 */
export async function admitAttempt(
  deps: { readonly pool: Pool; readonly policyDefaults: { readonly deniedPrefixes?: readonly string[] } },
  where: { readonly ownerId: string; readonly attempt: NumberedAttempt },
  invitedBefore: boolean,
): Promise<{
  admit: AdmitContext;
  department: DepartmentLimits | null;
  refusal?: Exclude<RuleVerdict, { kind: 'allow' }>;
}> {
  const { pool } = deps;
  const department = await loadDepartmentLimits(pool, where.ownerId);
  const admit: AdmitContext = {
    pool,
    ownerId: where.ownerId,
    departmentId: department?.departmentId ?? null,
    phone: where.attempt.phone,
    deniedPrefixes: deps.policyDefaults.deniedPrefixes,
  };
  const { verdict } = await admitCall(admit);
  if (verdict.kind === 'allow') return { admit, department };
  if (verdict.kind === 'skip' && (invitedBefore || (await wasDialled(pool, where.attempt.attemptId)))) {
    return { admit, department };
  }
  return { admit, department, refusal: verdict };
}
