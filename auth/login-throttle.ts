/**
 * Throttles failed logins per username and per client IP with a sliding window kept in
 * PostgreSQL (shared by API replicas). While a key is over its limit the password is not
 * even checked, so a locked account cannot be brute-forced; a successful login clears the
 * username's failures, never the IP's.
 */
import type { Pool } from '../db/sql.js';

export interface ThrottleLimits {
  readonly maxFailuresPerUsername: number;
  readonly maxFailuresPerIp: number;
  readonly failureWindowSeconds: number;
}

const userKey = (username: string) => `user:${username}`;
const ipKey = (ip: string) => `ip:${ip}`;

export class LoginThrottle {
  constructor(
    private readonly pool: Pool,
    private readonly limits: ThrottleLimits,
  ) {}

  /** Seconds until a login for this username from this IP may be tried again; 0 when allowed now. */
  async retryAfter(username: string, ip: string): Promise<number> {
    const waits = await Promise.all([
      this.waitFor(userKey(username), this.limits.maxFailuresPerUsername),
      this.waitFor(ipKey(ip), this.limits.maxFailuresPerIp),
    ]);
    return Math.max(...waits);
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await this.pool.query('INSERT INTO login_failure (key, failed_at) VALUES ($1, now()), ($2, now())', [
      userKey(username),
      ipKey(ip),
    ]);
  }

  async clearUsername(username: string): Promise<void> {
    await this.pool.query('DELETE FROM login_failure WHERE key = $1', [userKey(username)]);
  }

  async purgeExpired(): Promise<void> {
    await this.pool.query(`DELETE FROM login_failure WHERE failed_at < now() - make_interval(secs => $1)`, [
      this.limits.failureWindowSeconds,
    ]);
  }

  /**
   * The key is blocked while `max` failures lie inside the window; it frees up when the
   * max-th most recent failure leaves the window.
   */
  private async waitFor(key: string, max: number): Promise<number> {
    const { rows } = await this.pool.query<{ wait: string }>(
      `SELECT ceil(extract(epoch FROM failed_at + make_interval(secs => $2) - now())) AS wait
       FROM login_failure WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)
       ORDER BY failed_at DESC OFFSET $3 LIMIT 1`,
      [key, this.limits.failureWindowSeconds, max - 1],
    );
    return rows[0] ? Math.max(1, Number(rows[0].wait)) : 0;
  }
}
