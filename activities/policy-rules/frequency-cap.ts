/**
 * Rule `frequency-cap` (order 60, ledger): at most n calls to one number per rolling window.
 * The owner's cap (the owner's, or the installation's floor) counts the owner's dials; the
 * department's counts every member's, under a (department, number) lock taken after the
 * owner's (always in that order, so two takers never wait on each other in a cycle). Every
 * row after `now - window` counts, later start slots included: the new call starts at or
 * after now, so no window around it can hold a row this one did not count. Capped: skipped
 * `capped` until the window frees a call.
 */
import { capDecision } from '../../campaign/frequency-cap.js';
import type { FrequencyCap } from '../../campaign/owner-policy.js';
import { ALLOW, orderOf, skip, type PolicyRule } from '../../campaign/policy-rules/rule.js';
import { departmentDialsInWindow, dialsInWindow, lockDepartmentDials } from '../../db/dial-ledger.js';
import type { LedgerContext } from './context.js';

function decide(cap: FrequencyCap, rows: readonly { now_ms: number; dialled_ms: number | null }[]) {
  const dials = rows.filter((r) => r.dialled_ms !== null).map((r) => new Date(Number(r.dialled_ms)));
  return capDecision(cap, dials, new Date(Number(rows[0]?.now_ms)));
}

export const frequencyCapRule: PolicyRule<LedgerContext> = {
  name: 'frequency-cap',
  order: orderOf('frequency-cap'),
  stage: 'ledger',
  async check({ client, ownerId, phone, cap, department }) {
    if (cap) {
      const own = decide(cap, await dialsInWindow(client, ownerId, phone, cap.windowSeconds));
      if (own.kind === 'capped') return skip('capped', own.until);
    }
    const deptCap = department?.frequencyCap;
    if (!department || !deptCap) return ALLOW;
    await lockDepartmentDials(client, department.departmentId, phone);
    const rows = await departmentDialsInWindow(client, department.departmentId, phone, deptCap.windowSeconds);
    const theirs = decide(deptCap, rows);
    return theirs.kind === 'capped' ? skip('capped', theirs.until) : ALLOW;
  },
};
