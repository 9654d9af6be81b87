/**
 * Rule `blocklist` (order 10, admit): a number on the owner's blocklist, or in a range the
 * installation never dials (DIAL_DENIED_PREFIXES, F32), is not called at all: the attempt is
 * journalled `blocked` and the contact is done.
 */
import { ALLOW, orderOf, stop, type PolicyRule } from '../../campaign/policy-rules/rule.js';
import { deniedPrefix } from '../../campaign/owner-policy.js';
import { isBlocked } from '../../db/blocklist.js';
import type { AdmitContext } from './context.js';

/** `end_reason` of an attempt whose number was on the blocklist: nothing was sent to the trunk. */
export const BLOCKED_END_REASON = 'number on the blocklist: not dialled';

/** `end_reason` of an attempt whose number is in a range the operator never dials (F32). */
export const deniedEndReason = (prefix: string): string =>
  `number in ${prefix}, a range this installation does not dial (DIAL_DENIED_PREFIXES): not dialled`;

export const blocklistRule: PolicyRule<AdmitContext> = {
  name: 'blocklist',
  order: orderOf('blocklist'),
  stage: 'admit',
  async check({ pool, ownerId, phone, deniedPrefixes }) {
    if (await isBlocked(pool, ownerId, phone)) return stop(BLOCKED_END_REASON);
    const denied = deniedPrefix(deniedPrefixes, phone);
    return denied ? stop(deniedEndReason(denied)) : ALLOW;
  },
};
