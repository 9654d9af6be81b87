/**
 * Which trunk of a campaign's group a call goes to (issue 20): of the lowest priority that
 * has a trunk its circuit breaker does not hold down and with a free line (its
 * `maxConcurrentCalls`, across every campaign and worker: call-leases.ts) — together with the
 * owner's tenant limit; among several such trunks of one priority, the one its weight says is
 * due (campaign/trunk-shares.ts, counted in `campaign_trunk_share`). One transaction under an advisory lock per scope (call-leases.ts; the statements are
 * db/call-leases.ts's, db/trunk-health.ts's and db/campaign-trunk-shares.ts's), so
 * the choice and the leases are one step: two callers never both
 * take a trunk's last line, and only one call half-opens a trunk whose hold is over.
 *
 *   group ─▶ skip trunks held down ─▶ lowest priority with room (trunk line + owner limit)
 *            ─▶ by weight among that priority's trunks with room ─▶ leases taken
 *              │                          └─ none has room ─▶ poll again (150 ms, jittered)
 *              └─ every trunk down ─▶ `down` with the earliest `downUntil` (the caller defers)
 *
 * A trunk whose hold is over but whose failures reached the threshold is half-open: the call
 * that takes it pushes `down_until` on by one more hold, so the others keep skipping it while
 * this one call finds out (trunk-breaker.ts resets it on an answer, re-opens it on a failure).
 */
import { inTransaction, type Pool, type PoolClient } from '../db/sql.js';
import { deleteAttemptLeases, insertLeases, lockAndCountLeases } from '../db/call-leases.js';
import { countTrunkShare, trunkShareCalls } from '../db/campaign-trunk-shares.js';
import { extendTrunkHold, lockTrunkHealth, type TrunkHealthRow } from '../db/trunk-health.js';
import { AttemptBusyError, LEASE_TTL_SECONDS, trunkScope, type LeaseLimit, type Sleep } from './call-leases.js';
import type { BreakerSettings } from './trunk-breaker.js';
import { weightedPick } from '../campaign/trunk-shares.js';

/** How often a caller waiting for a free line looks again (with jitter). */
const CHOICE_POLL_MS = 150;

export interface TrunkCandidate {
  readonly trunkId: string;
  readonly maxConcurrentCalls: number;
  /** Lower first (campaign/trunk-shares.ts). */
  readonly priority: number;
  readonly weight: number;
}

export interface ChoiceRequest {
  /** The group, in order of preference; only these may be taken. */
  readonly trunks: readonly TrunkCandidate[];
  /** Limits every choice counts against too (the owner's tenant limit). */
  readonly shared: readonly LeaseLimit[];
  readonly attemptId: string;
  /** Whose weighted rotation the choice counts in (`campaign_trunk_share`). */
  readonly campaignId: string;
  readonly breaker: BreakerSettings;
  /**
   * The attempt holds leases already (a failover): they are swapped for the new trunk's in
   * the same transaction, and its own leases do not count against the limits.
   */
  readonly replacing?: boolean;
  /** Take trunks the breaker holds down as well (an INVITE may have left for the attempt already). */
  readonly ignoreBreaker?: boolean;
}

export type TrunkChoice =
  { readonly kind: 'chosen'; readonly index: number } | { readonly kind: 'down'; readonly until: Date };

/** Waits until a trunk of the group has room and takes it (with `shared`); or says every trunk is down. */
export async function chooseTrunk(pool: Pool, request: ChoiceRequest, sleep: Sleep): Promise<TrunkChoice> {
  for (;;) {
    const choice = await inTransaction(pool, (client) => tryChoose(client, request));
    if (choice) return choice;
    await sleep(CHOICE_POLL_MS / 2 + Math.random() * CHOICE_POLL_MS);
  }
}

/** One look: a choice, or undefined when every trunk that is up is full. */
async function tryChoose(client: PoolClient, request: ChoiceRequest): Promise<TrunkChoice | undefined> {
  const { trunks, shared, attemptId, breaker } = request;
  const limits: LeaseLimit[] = [
    ...trunks.map((t) => ({ scope: trunkScope(t.trunkId), max: t.maxConcurrentCalls })),
    ...shared,
  ];
  const scopes = [...new Set(limits.map((l) => l.scope))].sort();
  const rows = await lockAndCountLeases(client, scopes, attemptId);
  if (!request.replacing && rows.some((r) => Number(r.mine) > 0)) {
    throw new AttemptBusyError(`attempt ${attemptId} is running elsewhere`);
  }
  const live = new Map(rows.map((r) => [r.scope, Number(r.others)]));
  const hasRoom = (l: LeaseLimit) => (live.get(l.scope) ?? 0) < l.max;
  const health = await healthOf(client, trunks);
  const up = trunks
    .map((t, index) => ({ t, index, h: health.get(t.trunkId) }))
    .filter(({ h }) => request.ignoreBreaker || !h?.down);
  if (up.length === 0) return { kind: 'down', until: earliest(trunks.map((t) => health.get(t.trunkId))) };
  if (!shared.every(hasRoom)) return undefined;
  const roomy = up.filter(({ t }) => hasRoom({ scope: trunkScope(t.trunkId), max: t.maxConcurrentCalls }));
  if (roomy.length === 0) return undefined;
  const free = await byWeight(client, request, roomy);
  const halfOpen = breaker.failures > 0 && (free.h?.consecutive_failures ?? 0) >= breaker.failures;
  if (halfOpen) {
    // This call is the one that finds out; the others skip the trunk meanwhile.
    await extendTrunkHold(client, free.t.trunkId, breaker.holdSeconds);
  }
  if (request.replacing) await deleteAttemptLeases(client, attemptId);
  const taken = [trunkScope(free.t.trunkId), ...shared.map((l) => l.scope)];
  await insertLeases(client, taken, attemptId, LEASE_TTL_SECONDS);
  return { kind: 'chosen', index: free.index };
}

/**
 * Of `roomy` (trunks up with a free line, in the group's order), the lowest priority's trunk
 * whose weight is due; counted when its priority has more than one trunk in the group, so
 * the rotation knows its share (the group's trunk locks, held, order the counts).
 */
async function byWeight<T extends { t: TrunkCandidate }>(
  client: PoolClient,
  request: ChoiceRequest,
  roomy: readonly T[],
): Promise<T> {
  const priority = Math.min(...roomy.map(({ t }) => t.priority));
  const tier = roomy.filter(({ t }) => t.priority === priority);
  const shared = request.trunks.filter((t) => t.priority === priority).length > 1;
  if (!shared) return tier[0];
  const ids = tier.map(({ t }) => t.trunkId);
  const served = await trunkShareCalls(client, request.campaignId, ids);
  const chosen = tier[weightedPick(tier.map(({ t }) => ({ weight: t.weight, served: served.get(t.trunkId) ?? 0 })))];
  await countTrunkShare(client, request.campaignId, chosen.t.trunkId);
  return chosen;
}

/** The breaker's rows of the group's trunks, locked: a half-open trunk is claimed by one caller. */
async function healthOf(client: PoolClient, trunks: readonly TrunkCandidate[]): Promise<Map<string, TrunkHealthRow>> {
  const rows = await lockTrunkHealth(
    client,
    trunks.map((t) => t.trunkId),
  );
  return new Map(rows.map((r) => [r.trunk_id, r]));
}

/** The earliest end of the trunks' holds (every one is down); in a second if none is known. */
function earliest(rows: readonly (TrunkHealthRow | undefined)[]): Date {
  const ends = rows.flatMap((r) => (r?.down_until ? [new Date(r.down_until).getTime()] : []));
  return new Date(ends.length > 0 ? Math.min(...ends) : Date.now() + 1000);
}

/** A trunk group's lines for one attempt: its first trunk, and the next one on a failover. */
export interface GroupLines {
  /** Waits for a line on the group's first trunk that is up and has room; `down` when every one is down. */
  first(ignoreBreaker: boolean): Promise<TrunkChoice>;
  /** Swaps the attempt's line for one on the first of `indices` that is up and has room; undefined when all are down. */
  next(indices: readonly number[]): Promise<number | undefined>;
}

/** {@link chooseTrunk} over a group (`trunks` in order) for `attemptId`, with the `shared` limits. */
export function groupLines(
  pool: Pool,
  group: {
    readonly trunks: readonly TrunkCandidate[];
    readonly shared: readonly LeaseLimit[];
    readonly campaignId: string;
  },
  attemptId: string,
  breaker: BreakerSettings,
  sleep: Sleep,
): GroupLines {
  const pick = (indices: readonly number[]) => indices.map((i) => group.trunks[i]);
  const { shared, campaignId } = group;
  return {
    first: (ignoreBreaker) =>
      chooseTrunk(pool, { trunks: group.trunks, shared, campaignId, attemptId, breaker, ignoreBreaker }, sleep),
    next: async (indices) => {
      const request = { trunks: pick(indices), shared, campaignId, attemptId, breaker, replacing: true };
      const choice = await chooseTrunk(pool, request, sleep);
      return choice.kind === 'chosen' ? indices[choice.index] : undefined;
    },
  };
}
