/**
 * The base of a migration that must not lock a large table (`call_record`, `campaign_contact`,
 * `contact`, …) while the API and workers keep using it: it runs outside a transaction, so
 * each statement commits on its own, and builds or drops indexes CONCURRENTLY, which takes
 * SHARE UPDATE EXCLUSIVE on the table (reads and writes go on) instead of SHARE (writes wait
 * for the whole build) or, for DROP INDEX, ACCESS EXCLUSIVE (everything waits).
 *
 * Without a transaction an interrupted run leaves part of its work behind and is not recorded
 * as applied, so the next run starts it again from the top: every statement must be safe to
 * repeat. The helpers here are; raw `addSql` needs `if exists` / `if not exists`.
 * docs/operations.md ("Writing a migration that does not lock") has the rules.
 */
import { Migration } from '@mikro-orm/migrations';

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export abstract class OnlineMigration extends Migration {
  override isTransactional(): boolean {
    return false;
  }

  /**
   * `create index concurrently "name" on "table" <definition>`. A build that failed or was
   * interrupted leaves an INVALID index of that name behind (which `if not exists` would keep),
   * so the name is dropped first, concurrently too: a no-op on the first run.
   *
   * @param definition what follows the table name, e.g. `("owner_id", "invite_at", "id") where …`
   */
  protected createIndexConcurrently(name: string, table: string, definition: string): void {
    this.dropIndexConcurrently(name);
    this.addSql(`create index concurrently ${ident(name)} on ${ident(table)} ${definition};`);
  }

  /** `drop index concurrently if exists "name"`: ACCESS EXCLUSIVE on the index only, not on its table. */
  protected dropIndexConcurrently(name: string): void {
    this.addSql(`drop index concurrently if exists ${ident(name)};`);
  }
}
