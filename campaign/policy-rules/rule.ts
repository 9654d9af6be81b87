/**
 * The communication policy's rules behind one interface, evaluated in one fixed order
 * (docs/policies.md). Pure: the rules' checks (which read the database) are the worker's,
 * activities/policy-rules/*.ts, one module per rule.
 *
 * A rule answers `allow`, `skip` (no call now, no INVITE, the attempt is given back and the
 * contact is due again at `retryAt`, journalled in `policy_skip` under `journalCode`) or
 * `stop` (no call ever: the attempt is journalled with outcome `blocked` and the contact is
 * done). The first rule that does not allow decides; later rules are not asked.
 *
 * Each rule runs at a stage, the latest point before the INVITE where its answer is still
 * sound:
 *   admit  before a trunk line is taken (a refused contact costs no line), and again once
 *          the line is held (waiting for it can take long);
 *   lines  as the places the call takes under the concurrency limits (call_lease), all at
 *          once with the trunk line: a wait, never a refusal;
 *   ledger in the transaction that writes the dial ledger's row, under the number's lock,
 *          right before the INVITE: a count and its own row must be one step, or two
 *          campaigns dialling the number at once would both pass.
 * The calling window is the claim's (only contacts whose window is open are claimed:
 * calling-window.ts here, called by the workflow, and db/campaign-contacts.ts); it refuses
 * nothing at dial time and is listed for its place in the order.
 */

import type { POLICY_SKIP_CODES } from '../journal-codes.js';

export const RULE_STAGES = ['claim', 'admit', 'lines', 'ledger'] as const;
export type RuleStage = (typeof RULE_STAGES)[number];

/** What a rule's `skip` is journalled as (`policy_skip.code`, and the attempt report's outcome). */
export type SkipCode = (typeof POLICY_SKIP_CODES)[number];

export type RuleVerdict =
  | { readonly kind: 'allow' }
  | {
      readonly kind: 'skip';
      readonly journalCode: SkipCode;
      /** When the contact is due again. */
      readonly retryAt: Date;
      readonly attemptUsed: false;
    }
  | {
      readonly kind: 'stop';
      readonly journalCode: 'blocked';
      /** The journal row's `end_reason`. */
      readonly endReason: string;
      readonly attemptUsed: true;
    };

export const ALLOW: RuleVerdict = Object.freeze({ kind: 'allow' });

export const skip = (journalCode: SkipCode, retryAt: Date): RuleVerdict => ({
  kind: 'skip',
  journalCode,
  retryAt,
  attemptUsed: false,
});

export const stop = (endReason: string): RuleVerdict => ({
  kind: 'stop',
  journalCode: 'blocked',
  endReason,
  attemptUsed: true,
});

/** One rule of the policy; `C` is what its stage knows of the call about to be placed. */
export interface PolicyRule<C> {
  readonly name: RuleName;
  readonly order: number;
  readonly stage: RuleStage;
  check(ctx: C): Promise<RuleVerdict>;
}

/**
 * Every rule, in the order they are evaluated, with what each journals. The order:
 * 1. blocklist first: its answer is final (the contact is done), so no other rule may put a
 *    blocked number off only for it to be blocked later; cheap, and costs no line.
 * 2. reservation: another team's number is not ours to call at all while reserved, whatever
 *    the window or caps would say; a skip that costs no line either.
 * 3. calling window: claims only contacts whose window is open (before any dial-time rule).
 * 4. concurrency limits (owner, department, trunk): the call waits for a place, as today,
 *    before the ledger's checks, which must come right before the INVITE.
 * 5. compliance profile (`uk` abandoned-call hold), 6. frequency cap (owner, then
 *    department), 7. calls per day (department): under the number's lock, in the
 *    transaction that writes the dial's ledger row; a held number takes no start slot.
 */
export const RULE_ORDER = [
  { name: 'blocklist', order: 10, stage: 'admit', journals: 'blocked (attempt used, contact done)' },
  { name: 'reservation', order: 20, stage: 'admit', journals: 'reserved (skip until the reservation ends)' },
  { name: 'calling-window', order: 30, stage: 'claim', journals: 'nothing: not claimed while closed' },
  { name: 'concurrency', order: 40, stage: 'lines', journals: 'nothing: the call waits for a place' },
  { name: 'compliance-profile', order: 50, stage: 'ledger', journals: 'abandoned_hold (skip for 72 h)' },
  { name: 'frequency-cap', order: 60, stage: 'ledger', journals: 'capped (skip until the window frees a call)' },
  { name: 'daily-limit', order: 70, stage: 'ledger', journals: 'daily_limit (skip to the next UTC day)' },
] as const satisfies readonly { name: string; order: number; stage: RuleStage; journals: string }[];

export type RuleName = (typeof RULE_ORDER)[number]['name'];

/** The rule whose `skip` a journal code is. */
export const RULE_OF_SKIP: Readonly<Record<SkipCode, RuleName>> = {
  reserved: 'reservation',
  abandoned_hold: 'compliance-profile',
  capped: 'frequency-cap',
  daily_limit: 'daily-limit',
};

/** The registered order of `name` (rules take their order from here, so there is one list). */
export const orderOf = (name: RuleName): number => RULE_ORDER.find((r) => r.name === name)?.order ?? Infinity;

/** The rules of `stage`, in order (ties broken by name, so the order never depends on registration). */
export function rulesOf<C>(rules: readonly PolicyRule<C>[], stage: RuleStage): PolicyRule<C>[] {
  return rules.filter((r) => r.stage === stage).sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/**
 * The policy's answer for the call about to be placed at one stage: the first refusal of
 * the stage's rules in order, or `allow` with the names of the rules asked. A rule after the
 * first refusal is never asked (its check may cost a query, or take a lock).
 */
export async function evaluateRules<C>(
  rules: readonly PolicyRule<C>[],
  stage: RuleStage,
  ctx: C,
): Promise<{ readonly verdict: RuleVerdict; readonly rule?: RuleName; readonly asked: readonly RuleName[] }> {
  const asked: RuleName[] = [];
  for (const rule of rulesOf(rules, stage)) {
    asked.push(rule.name);
    const verdict = await rule.check(ctx);
    if (verdict.kind !== 'allow') return { verdict, rule: rule.name, asked };
  }
  return { verdict: ALLOW, asked };
}
