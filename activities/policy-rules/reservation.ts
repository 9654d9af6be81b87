/**
 * Rule `reservation` (order 20, admit): a number another department (or, for a personal
 * reservation, another user) has reserved is not called while the reservation lasts: the
 * attempt is given back (no INVITE, no attempt used), journalled `reserved`, and the contact
 * is due again when the reservation ends (sooner when it is released: db/reservations.ts).
 * The holder's own campaigns call it as usual.
 */
import { ALLOW, orderOf, skip, type PolicyRule } from '../../campaign/policy-rules/rule.js';
import { reservedElsewhereUntil } from '../../db/reservations.js';
import type { AdmitContext } from './context.js';

export const reservationRule: PolicyRule<AdmitContext> = {
  name: 'reservation',
  order: orderOf('reservation'),
  stage: 'admit',
  async check({ pool, ownerId, departmentId, phone }) {
    const until = await reservedElsewhereUntil(pool, phone, { ownerId, departmentId });
    return until ? skip('reserved', until) : ALLOW;
  },
};
