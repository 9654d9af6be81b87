/**
 * Priorities and weights in a campaign's trunk group (issue 20), as in DNS SRV (RFC 2782):
 * a call goes to the lowest priority that has a trunk up with a free line, and trunks of the
 * same priority share that priority's calls by weight. Pure.
 *
 * The share is deterministic, not random: each call goes to the trunk whose count of calls
 * from the campaign, one more, is the smallest against its weight ((served + 1) / weight;
 * ties to the first listed). Weights 3 and 1 give a a a b a a a b…: exactly 75 of 100
 * calls, never a run of bad luck, and smooth (no trunk gets all its share at once).
 */

/** A trunk's place in the group: lower priority first; weight within its priority. */
export interface TrunkShare {
  readonly priority: number;
  readonly weight: number;
}

/** `campaign.trunk_shares`: by trunk id; null when the group is a plain order (`trunkIds`). */
export type TrunkShares = Readonly<Record<string, TrunkShare>>;

/** A trunk's share: the one stored, or (a plain order) its position as priority and weight 1. */
export function shareOf(shares: TrunkShares | null, trunkId: string, position: number): TrunkShare {
  return shares?.[trunkId] ?? { priority: position + 1, weight: 1 };
}

/** Entries of a request, sorted into the stored order (priority, then as listed), defaults filled in. */
export function orderedShares(
  entries: readonly { readonly trunkId: string; readonly priority?: number; readonly weight?: number }[],
): { readonly ids: string[]; readonly shares: Record<string, TrunkShare> } {
  const filled = entries.map((e, i) => ({ id: e.trunkId, priority: e.priority ?? i + 1, weight: e.weight ?? 1, i }));
  filled.sort((a, b) => a.priority - b.priority || a.i - b.i);
  return {
    ids: filled.map((e) => e.id),
    shares: Object.fromEntries(filled.map((e) => [e.id, { priority: e.priority, weight: e.weight }])),
  };
}

/**
 * Which of `members` (one priority's trunks that can take the call now, in the group's
 * order) gets it: the smallest (served + 1) / weight, the first on a tie. Its index in `members`.
 */
export function weightedPick(members: readonly { readonly weight: number; readonly served: number }[]): number {
  let best = 0;
  for (let i = 1; i < members.length; i++) {
    const m = members[i];
    const b = members[best];
    // (m.served + 1) / m.weight < (b.served + 1) / b.weight, without division.
    if ((m.served + 1) * b.weight < (b.served + 1) * m.weight) best = i;
  }
  return best;
}
