/**
 * The policy's rules as the worker evaluates them, in the order campaign/policy-rules/rule.ts
 * fixes: {@link admitCall} before the trunk line is taken (and again once it is held), the
 * ledger rules in activities/dial-ledger.ts's transaction right before the INVITE, the
 * concurrency limits as the call's lease scopes (concurrency.ts). The calling window is the
 * claim's (campaign/policy-rules/calling-window.ts, pure, for the workflow).
 */
import { evaluateRules, type PolicyRule, type RuleName, type RuleVerdict } from '../../campaign/policy-rules/rule.js';
import { blocklistRule } from './blocklist.js';
import { complianceProfileRule } from './compliance-profile.js';
import type { AdmitContext, LedgerContext } from './context.js';
import { dailyLimitRule } from './daily-limit.js';
import { frequencyCapRule } from './frequency-cap.js';
import { reservationRule } from './reservation.js';

export const ADMIT_RULES: readonly PolicyRule<AdmitContext>[] = [blocklistRule, reservationRule];
export const LEDGER_RULES: readonly PolicyRule<LedgerContext>[] = [
  complianceProfileRule,
  frequencyCapRule,
  dailyLimitRule,
];

/** The admit stage's answer: the first refusal (with its rule) or allow. */
export async function admitCall(ctx: AdmitContext): Promise<{ verdict: RuleVerdict; rule?: RuleName }> {
  return evaluateRules(ADMIT_RULES, 'admit', ctx);
}

/** The ledger stage's answer, in the dial's transaction. */
export async function clearLedger(ctx: LedgerContext): Promise<{ verdict: RuleVerdict; rule?: RuleName }> {
  return evaluateRules(LEDGER_RULES, 'ledger', ctx);
}

export type { AdmitContext, LedgerContext } from './context.js';
export { concurrencyLimits, departmentScope } from './concurrency.js';
export { BLOCKED_END_REASON, deniedEndReason } from './blocklist.js';
