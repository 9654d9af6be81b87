/**
 * One call attempt through a campaign's trunk group (issue 20): dial on the trunk chosen
 * (trunk-choice.ts); when that trunk fails technically (campaign/trunk-failover.ts) and the
 * call was not cancelled, the same attempt goes at once to the next trunk of the group that
 * is up and has a free line, until one gives an answer or none is left. Each trunk's result
 * feeds its circuit breaker (trunk-breaker.ts); every trunk tried is kept for the journal.
 */
import type { SkipCode } from '../campaign/policy-rules/rule.js';
import type { Pool } from '../db/sql.js';
import type { Logger } from '../lib/logger.js';
import { isTechnicalFailure, trunkResponded, type TrunkAttempt } from '../campaign/trunk-failover.js';
import type { AttemptResult } from './call-journal.js';
import type { GroupTrunk } from './campaign-settings.js';
import { recordTrunkAnswer, recordTrunkFailure } from '../db/trunk-health.js';
import type { BreakerSettings } from './trunk-breaker.js';
import { cancelReservation } from './dial-ledger.js';

/** What a dial on one trunk came to (place-call.ts `dialWithClearance`). */
export type TrunkDialled =
  /** A policy rule skipped the call (a cap, a hold, a reservation…): nothing dialled, the contact waits until `until`. */
  | { readonly kind: 'capped'; readonly until: Date; readonly why: SkipCode }
  | {
      readonly kind: 'dialled';
      readonly result: AttemptResult;
      readonly optedOut: boolean;
      /** The dial ledger's row of this dial, when an INVITE may have left. */
      readonly reservationId?: string;
    };

export interface GroupDial {
  readonly pool: Pool;
  readonly breaker: BreakerSettings;
  readonly logger?: Logger | undefined;
  readonly trunks: readonly GroupTrunk[];
  /** The index in `trunks` of the trunk whose line the attempt holds. */
  readonly first: number;
  /** Dials on `trunk`; `failover`: not the attempt's first trunk (no campaign slot, no cap check again). */
  readonly dialOn: (trunk: GroupTrunk, failover: boolean) => Promise<TrunkDialled>;
  /**
   * Swaps the attempt's trunk line for one of `candidates` (indices in `trunks`, in order),
   * waiting for a free one; undefined when every one is down.
   */
  readonly chooseNext: (candidates: readonly number[]) => Promise<number | undefined>;
  /** True once the call must not go on (the campaign's cancel): no failover. */
  readonly stopped: () => boolean;
}

export interface GroupDialled {
  readonly dialled: TrunkDialled;
  /** The trunk of the last dial. */
  readonly trunk: GroupTrunk;
  readonly attempts: readonly TrunkAttempt[];
}

export async function dialGroup(group: GroupDial): Promise<GroupDialled> {
  const { trunks } = group;
  const attempts: TrunkAttempt[] = [];
  let index = group.first;
  for (;;) {
    const trunk = trunks[index];
    const dialled = await group.dialOn(trunk, attempts.length > 0);
    if (dialled.kind === 'capped') return { dialled, trunk, attempts };
    const { result } = dialled;
    const technical = isTechnicalFailure(result);
    // Nothing went to the trunk (blocked meanwhile, cancelled, not a dialable number): not a trunk tried.
    if (dialled.reservationId === undefined && !technical) return { dialled, trunk, attempts };
    attempts.push(trunkAttempt(trunk.trunk.id, result));
    await feedBreaker(group, trunk.trunk.id, result, technical);
    if (!technical || group.stopped()) return { dialled, trunk, attempts };
    const tried = new Set(attempts.map((a) => a.trunkId));
    const candidates = failoverCandidates(trunks, index, tried);
    const next = candidates.length > 0 ? await group.chooseNext(candidates) : undefined;
    if (next === undefined) return { dialled, trunk, attempts };
    group.logger?.info(
      { trunkId: trunk.trunk.id, nextTrunkId: trunks[next].trunk.id, sipCode: result.sipCode, why: result.endReason },
      'trunk failed technically; failing over',
    );
    // One ledger row per attempt: the INVITE that failed reached no callee.
    if (dialled.reservationId) await cancelReservation(group.pool, dialled.reservationId);
    index = next;
  }
}

/**
 * Where a technical failure of `trunks[index]` may go: the trunks not tried yet of the same
 * priority (a weighted group's others) or a later one, in the group's order. In a plain
 * order (each trunk its own priority) that is the trunks after it.
 */
export function failoverCandidates(trunks: readonly GroupTrunk[], index: number, tried: ReadonlySet<string>): number[] {
  const from = trunks[index].share.priority;
  return trunks.flatMap((t, i) => (i !== index && t.share.priority >= from && !tried.has(t.trunk.id) ? [i] : []));
}

/** The journal's note of one trunk tried. */
export function trunkAttempt(trunkId: string, result: AttemptResult): TrunkAttempt {
  const reason = result.sipCode !== undefined ? (result.sipReason ?? '') : result.endReason;
  return { trunkId, sipCode: result.sipCode ?? null, reason: reason.slice(0, 200) };
}

/** The trunk's result to its breaker; a database away costs the count, never the call. */
async function feedBreaker(group: GroupDial, trunkId: string, result: AttemptResult, technical: boolean) {
  try {
    if (technical) {
      const why =
        result.sipCode !== undefined ? `${result.sipCode} ${result.sipReason ?? ''}`.trim() : result.endReason;
      await recordTrunkFailure(group.pool, trunkId, why, group.breaker);
    } else if (trunkResponded(result)) {
      await recordTrunkAnswer(group.pool, trunkId);
    }
  } catch (err) {
    group.logger?.warn({ err, trunkId }, 'could not update the trunk’s circuit breaker');
  }
}
