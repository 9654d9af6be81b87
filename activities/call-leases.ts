/**
 * Concurrency limits held across every worker and campaign, in PostgreSQL (`call_lease`):
 * a live call holds one row per limited scope — `trunk:<id>` for a trunk's
 * `maxConcurrentCalls`, `owner:<id>` for an owner's tenant limit — that expires unless
 * renewed. A call takes all its places at once or none: in one transaction, under an
 * advisory lock per scope (taken in a fixed order, so two takers never deadlock), it counts
 * each scope's unexpired leases and inserts a row in every scope only when all have room.
 * Taking them one by one would let a call sit on a trunk line while it waits for its owner's
 * limit, starving other owners on a shared trunk. The taking is trunk-choice.ts's, which
 * also picks the line's trunk from the campaign's trunk group in the same transaction.
 *
 * A worker that dies stops renewing; its leases expire after {@link LEASE_TTL_SECONDS} and
 * are ignored (and swept by the next taker of the scope). Every wait goes through `sleep`,
 * which the activity makes cancellable. The statements are db/call-leases.ts.
 */
import { attemptHoldsLease, deleteAttemptLeases, renewAttemptLeases } from '../db/call-leases.js';
import type { Pool } from '../db/sql.js';

/** A lease not renewed for this long belongs to a dead worker. */
export const LEASE_TTL_SECONDS = 15;
/** Renew this often (well inside the TTL, so one slow renewal does not lose the lease). */
export const LEASE_RENEW_MS = 4000;

/** One limit a call counts against: at most `max` live calls in `scope`. */
export interface LeaseLimit {
  readonly scope: string;
  readonly max: number;
}

export const trunkScope = (trunkId: string): string => `trunk:${trunkId}`;
export const ownerScope = (ownerId: string): string => `owner:${ownerId}`;

export type Sleep = (ms: number) => Promise<void>;

/**
 * Another execution of the same attempt holds a live lease (Temporal gave the attempt to a
 * second worker while the first still runs it): this one must not dial. Retryable: once the
 * first has finished, the retry finds its result in the journal.
 */
export class AttemptBusyError extends Error {
  override readonly name = 'AttemptBusyError';
}

/** Keeps the attempt's leases alive; false when they were lost (expired and swept: the places may be reused). */
export async function renewLeases(pool: Pool, attemptId: string): Promise<boolean> {
  return renewAttemptLeases(pool, attemptId, LEASE_TTL_SECONDS);
}

/**
 * True while some execution of the attempt holds an unexpired lease: its call may be live
 * (an execution Temporal timed out or lost goes on with its call and journals it).
 */
export async function attemptIsLive(pool: Pool, attemptId: string): Promise<boolean> {
  return attemptHoldsLease(pool, attemptId);
}

export async function releaseLeases(pool: Pool, attemptId: string): Promise<void> {
  await deleteAttemptLeases(pool, attemptId);
}
