/**
 * Throttles failed logins with sliding windows kept in PostgreSQL (shared by API replicas).
 *
 * - **(username, source address)**: a hard limit. Once `maxFailuresPerUsername` attempts from
 *   one address failed for one username, that pair gets 429 without the password being
 *   checked, the right one included.
 * - **source address**: a hard limit of `maxFailuresPerIp` across usernames (password
 *   spraying).
 * - **username alone**: never refused, only slowed. Past `maxFailuresPerUsername` failures
 *   from all addresses, each attempt waits a back-off that doubles per failure up to
 *   {@link MAX_BACKOFF_MS}; so nobody can lock `admin` out from their own address, yet
 *   guesses spread over many addresses are slowed.
 *
 * An attempt reserves its failure rows *before* the password is checked, under transaction
 * advisory locks on the address and the pair, so N parallel guesses cannot all pass the check:
 * the (max+1)-th sees the max reserved failures. A successful attempt releases its reservation
 * and clears the pair and the username; the address keeps its other failures.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  deleteFailures,
  failureWindowWait,
  insertFailures,
  lockFailureKey,
  purgeFailures,
  recentFailures,
} from '../db/login-failures.js';
import { inTransaction, type Pool, type PoolClient } from '../db/sql.js';

export interface ThrottleLimits {
  readonly maxFailuresPerUsername: number;
  readonly maxFailuresPerIp: number;
  readonly failureWindowSeconds: number;
}

/** First back-off step once a username is past its limit; doubles per further failure. */
export const BASE_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 4_000;

export type LoginAttempt =
  | { readonly allowed: true; readonly username: string; readonly ip: string; readonly reserved: readonly string[] }
  | { readonly allowed: false; readonly retryAfter: number };

/** Keys stay readable and within `login_failure.key` (300): a long submitted value is hashed. */
const bounded = (value: string) =>
  value.length <= 100 ? value : `sha256:${createHash('sha256').update(value).digest('hex')}`;
const userKey = (username: string) => `user:${bounded(username)}`;
const ipKey = (ip: string) => `ip:${bounded(ip)}`;
const pairKey = (username: string, ip: string) => `pair:${bounded(ip)}:${bounded(username)}`;

/** Back-off before checking a password for a username with `failures` recent failures. */
export function backoffMs(failures: number, maxFailures: number): number {
  if (failures < maxFailures) return 0;
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(failures - maxFailures, 16));
}

export class LoginThrottle {
  constructor(
    private readonly pool: Pool,
    private readonly limits: ThrottleLimits,
  ) {}

  /**
   * Reserves a failure slot for this attempt, or answers how many seconds to wait. Resolves
   * after the username's back-off, so the caller checks the password right away.
   */
  async reserve(username: string, ip: string): Promise<LoginAttempt> {
    const { limits } = this;
    const decision = await inTransaction(this.pool, async (client) => {
      // Always address first, then pair: one order, no deadlock between attempts.
      for (const key of [ipKey(ip), pairKey(username, ip)]) {
        await lockFailureKey(client, key);
      }
      const wait = Math.max(
        await this.waitFor(client, pairKey(username, ip), limits.maxFailuresPerUsername),
        await this.waitFor(client, ipKey(ip), limits.maxFailuresPerIp),
      );
      if (wait > 0) return { allowed: false as const, retryAfter: wait };
      const recent = await recentFailures(client, userKey(username), limits.failureWindowSeconds);
      const reserved = await insertFailures(client, [pairKey(username, ip), ipKey(ip), userKey(username)]);
      return { allowed: true as const, reserved, delay: backoffMs(recent, limits.maxFailuresPerUsername) };
    });
    if (!decision.allowed) return decision;
    if (decision.delay > 0) await sleep(decision.delay);
    return { allowed: true, username, ip, reserved: decision.reserved };
  }

  /** The password was right: the reservation was no failure, and the pair and username start afresh. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    if (!attempt.allowed) return;
    await deleteFailures(this.pool, attempt.reserved, [
      pairKey(attempt.username, attempt.ip),
      userKey(attempt.username),
    ]);
  }

  async purgeExpired(): Promise<void> {
    await purgeFailures(this.pool, this.limits.failureWindowSeconds);
  }

  /**
   * The key is blocked while `max` failures lie inside the window; it frees up when the
   * max-th most recent failure leaves the window.
   */
  private async waitFor(client: PoolClient, key: string, max: number): Promise<number> {
    const wait = await failureWindowWait(client, key, this.limits.failureWindowSeconds, max - 1);
    return wait === undefined ? 0 : Math.max(1, wait);
  }
}
