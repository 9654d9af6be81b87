import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { SipTrunk } from './sip-trunk.entity.js';

/**
 * Per-trunk call pacing shared by every worker: `nextSlot` is the earliest instant the next
 * INVITE on the trunk may go out. A caller takes `greatest(nextSlot, now())` and moves it
 * on by 1 / maxCallsPerSecond in one UPDATE, so calls are spaced across all campaigns and
 * workers, not per process.
 */
export const TrunkPacing = defineEntity({
  name: 'TrunkPacing',
  tableName: 'trunk_pacing',
  properties: {
    trunk: () => p.oneToOne(SipTrunk).primary().deleteRule('cascade').owner(),
    nextSlot: p.datetime(),
  },
});
export type TrunkPacing = InferEntity<typeof TrunkPacing>;

/**
 * Live calls per trunk across every worker: a row per call holding one of the trunk's
 * `maxConcurrentCalls` places until `expiresAt` (renewed while the call runs, so a worker
 * that died frees its places by itself).
 */
export const TrunkLease = defineEntity({
  name: 'TrunkLease',
  tableName: 'trunk_lease',
  properties: {
    trunk: () => p.manyToOne(SipTrunk).primary().deleteRule('cascade'),
    attemptId: p.string().length(64).primary(),
    expiresAt: p.datetime(),
  },
});
export type TrunkLease = InferEntity<typeof TrunkLease>;
