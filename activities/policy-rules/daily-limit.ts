/**
 * Rule `daily-limit` (order 70, ledger): a department's calls per UTC day, counted in the
 * dial ledger over every member's dials since midnight UTC, under the department's day lock
 * (taken last, after the number locks). Reached: skipped `daily_limit` until the next UTC day.
 */
import { nextUtcDay } from '../../campaign/department-policy.js';
import { ALLOW, orderOf, skip, type PolicyRule } from '../../campaign/policy-rules/rule.js';
import { departmentDialsToday, lockDepartmentDials } from '../../db/dial-ledger.js';
import type { LedgerContext } from './context.js';

export const dailyLimitRule: PolicyRule<LedgerContext> = {
  name: 'daily-limit',
  order: orderOf('daily-limit'),
  stage: 'ledger',
  async check({ client, department }) {
    const max = department?.maxCallsPerDay ?? null;
    if (!department || max === null) return ALLOW;
    await lockDepartmentDials(client, department.departmentId, null);
    const today = await departmentDialsToday(client, department.departmentId);
    return today.dials < max ? ALLOW : skip('daily_limit', nextUtcDay(new Date(today.now_ms)));
  },
};
