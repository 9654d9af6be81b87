/**
 * Each campaign contact's time zones, for calling windows read on the callee's clock. Online
 * (F18): adding a nullable column only touches the catalogue (a moment's lock), and the index
 * is built CONCURRENTLY, so claims and journalling go on meanwhile.
 */
import { OnlineMigration } from './online-migration.js';

export class Migration20261202150000 extends OnlineMigration {
  override name = 'Migration20261202150000';

  override up(): void {
    this.addSql('alter table "campaign_contact" add column if not exists "time_zones" text null;');
    this.createIndexConcurrently(
      'campaign_contact_zone_due_index',
      'campaign_contact',
      '("campaign_id", "time_zones", "next_attempt_at") where "state" in (\'pending\', \'waiting\') and "time_zones" is not null',
    );
  }
}
