/**
 * Rule `compliance-profile` (order 50, ledger): the `uk` profile's hold, no call to a number
 * within 72 h of an abandoned call to it from the same owner (campaign/compliance-profile.ts).
 * Read from the journal under the number's lock; held: skipped `abandoned_hold` until the
 * 72 h are over. (The profiles' settings rules are checked when a campaign starts.)
 */
import { abandonedHoldUntil, UK_ABANDONED_HOLD_SECONDS } from '../../campaign/compliance-profile.js';
import { ALLOW, orderOf, skip, type PolicyRule } from '../../campaign/policy-rules/rule.js';
import { lastAbandonedCall } from '../../db/dial-ledger.js';
import type { LedgerContext } from './context.js';

/** Journal rows older than this cannot hold an abandoned call that ended within the hold (the longest ring and call). */
const ABANDONED_LOOKBACK_SECONDS = UK_ABANDONED_HOLD_SECONDS + 2 * 3600 + 300;

export const complianceProfileRule: PolicyRule<LedgerContext> = {
  name: 'compliance-profile',
  order: orderOf('compliance-profile'),
  stage: 'ledger',
  async check({ client, ownerId, phone, abandonedHold }) {
    if (!abandonedHold) return ALLOW;
    const row = await lastAbandonedCall(client, ownerId, phone, ABANDONED_LOOKBACK_SECONDS);
    const last = row?.last_ms === null || row?.last_ms === undefined ? undefined : new Date(Number(row.last_ms));
    const until = abandonedHoldUntil(['uk'], last, new Date(Number(row?.now_ms)));
    return until ? skip('abandoned_hold', until) : ALLOW;
  },
};
