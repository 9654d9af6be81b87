/**
 * Per-owner limit of uploads in flight (review F13, "uploads in flight"):
 * `owner_policy.max_uploads_in_flight`, set by an administrator; null follows
 * UPLOADS_MAX_IN_FLIGHT_PER_OWNER. A nullable column without a default: a catalogue change,
 * no table rewrite.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261206180000 extends Migration {
  override name = 'Migration20261206180000';

  override up(): void {
    this.addSql('alter table "owner_policy" add column if not exists "max_uploads_in_flight" int null;');
  }
}
