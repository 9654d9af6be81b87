/**
 * Department limits (issue 25) and the effective policy of a campaign: the strictest of its
 * owner's, its owner's department's and the installation's. Every one of them is enforced at
 * dial time (activities/policy-rules/); this module says, for `GET /api/v1/policies`, which
 * one binds and why. Pure.
 */
import { withinFloor, type EffectivePolicy, type FrequencyCap } from './owner-policy.js';

/** A department's limits as stored (null: not set). */
export interface DepartmentLimits {
  readonly departmentId: string;
  readonly name: string;
  /** Simultaneous calls of all members' campaigns together (`call_lease` scope `department:<id>`). */
  readonly maxConcurrentCalls: number | null;
  /** Calls placed by all members together per UTC day (counted in `dial_ledger`). */
  readonly maxCallsPerDay: number | null;
  /** Calls to one number per rolling window, counted across all members' campaigns. */
  readonly frequencyCap: FrequencyCap | null;
}

export type LimitSource = 'owner' | 'administrator' | 'department' | 'default' | 'none';

/** One limit as it binds: the value, whose it is, and why that one. */
export interface BindingLimit<T> {
  readonly value: T | null;
  readonly source: LimitSource;
  readonly reason: string;
}

/** The limits that bind a campaign of the owner. */
export interface EffectiveLimits {
  readonly maxConcurrentCalls: BindingLimit<number>;
  readonly maxCallsPerDay: BindingLimit<number>;
  readonly frequencyCap: BindingLimit<FrequencyCap>;
}

const ownerSourceOf = (source: 'owner' | 'administrator' | 'default'): LimitSource => source;

/** The lower of the owner's (administrator's or default) and the department's concurrent-call limit. */
function concurrent(owner: EffectivePolicy, dept: DepartmentLimits | null): BindingLimit<number> {
  const own = owner.maxConcurrentCalls;
  const ownSource = ownerSourceOf(owner.maxConcurrentCallsSource);
  const theirs = dept?.maxConcurrentCalls ?? null;
  if (own === null && theirs === null) return { value: null, source: 'none', reason: 'no limit is set anywhere' };
  if (theirs === null || dept === null) {
    const whose = ownSource === 'default' ? "the installation's default" : "the administrator's limit for the user";
    return {
      value: own,
      source: ownSource,
      reason: `${whose}; ${dept ? 'the department sets none' : 'no department'}`,
    };
  }
  if (own === null || theirs < own) {
    return {
      value: theirs,
      source: 'department',
      reason: `department ${dept.name}: ${theirs} calls at once for all its members${own === null ? '' : `, fewer than the user's ${own}`}`,
    };
  }
  return { value: own, source: ownSource, reason: `the user's ${own} is no more than the department's ${theirs}` };
}

function perDay(dept: DepartmentLimits | null): BindingLimit<number> {
  const value = dept?.maxCallsPerDay ?? null;
  if (value === null || dept === null) return { value: null, source: 'none', reason: 'only departments set one' };
  return { value, source: 'department', reason: `department ${dept.name}: calls of all its members per UTC day` };
}

const rate = (cap: FrequencyCap): number => cap.maxCalls / cap.windowSeconds;

/**
 * The owner's cap (owner or installation) and the department's both apply (the department's
 * counts every member's calls). The one shown binds: the one within the other, else the
 * lower rate.
 */
function cap(owner: EffectivePolicy, dept: DepartmentLimits | null): BindingLimit<FrequencyCap> {
  const own = owner.frequencyCap;
  const theirs = dept?.frequencyCap ?? null;
  if (own === null && theirs === null) return { value: null, source: 'none', reason: 'no cap is set anywhere' };
  if (theirs === null || dept === null) {
    const whose = owner.frequencyCapSource === 'owner' ? "the user's own cap" : "the installation's cap";
    return {
      value: own,
      source: owner.frequencyCapSource,
      reason: `${whose}; ${dept ? 'the department sets none' : 'no department'}`,
    };
  }
  const deptReason = `department ${dept.name}: counted across all its members' campaigns`;
  if (own === null) return { value: theirs, source: 'department', reason: deptReason };
  if (withinFloor(theirs, own) || (!withinFloor(own, theirs) && rate(theirs) < rate(own))) {
    return { value: theirs, source: 'department', reason: `${deptReason}, stricter than the user's` };
  }
  return {
    value: own,
    source: owner.frequencyCapSource,
    reason: `stricter than the department's (which applies too, across all members)`,
  };
}

/** Which limit binds a campaign of an owner whose own policy is `owner`, in department `dept`. */
export function effectiveLimits(owner: EffectivePolicy, dept: DepartmentLimits | null): EffectiveLimits {
  return { maxConcurrentCalls: concurrent(owner, dept), maxCallsPerDay: perDay(dept), frequencyCap: cap(owner, dept) };
}

/** The next UTC midnight after `now`: when a department's calls-per-day count starts again. */
export function nextUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}
