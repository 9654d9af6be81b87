/** Each campaign contact's time zones, for calling windows read on the callee's clock. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202150000 extends Migration {
  override name = 'Migration20261202150000';

  override up(): void {
    this.addSql('alter table "campaign_contact" add "time_zones" text null;');
    this.addSql(
      'create index "campaign_contact_zone_due_index" on "campaign_contact" ("campaign_id", "time_zones", "next_attempt_at") where "state" in (\'pending\', \'waiting\') and "time_zones" is not null;',
    );
  }
}
