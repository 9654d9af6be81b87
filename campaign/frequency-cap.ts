/**
 * The frequency cap's decision, pure: given when a number was dialled recently, may it be
 * dialled now, and if not, when does the rolling window free a slot? The worker calls it
 * under a per-(owner, number) lock with the database's clock (activities/dial-ledger.ts).
 */
import type { FrequencyCap } from './owner-policy.js';

export type CapDecision = { readonly kind: 'allowed' } | { readonly kind: 'capped'; readonly until: Date };

/**
 * `dialledAt`: the owner's dials of the number (any order; older ones are ignored). A dial
 * at `t` counts while `now - t < window`: its slot is free again at `t + window`.
 */
export function capDecision(cap: FrequencyCap, dialledAt: readonly Date[], now: Date): CapDecision {
  const windowMs = cap.windowSeconds * 1000;
  const inWindow = dialledAt
    .map((d) => d.getTime())
    .filter((t) => now.getTime() - t < windowMs)
    .sort((a, b) => a - b);
  if (inWindow.length < cap.maxCalls) return { kind: 'allowed' };
  // A slot frees when all but maxCalls - 1 of the dials in the window have left it.
  const freeing = inWindow[inWindow.length - cap.maxCalls];
  return { kind: 'capped', until: new Date(freeing + windowMs) };
}
