/**
 * Scheduled campaigns and re-runs (issue 21): `campaign.start_at` / `end_at` (when a started
 * campaign places its first call, when it stops), `parent_campaign_id` (the campaign a re-run
 * was made from), and the statuses `scheduled` and `expired`. `campaign` has a row per
 * campaign, not per contact: nullable columns without defaults are catalogue changes, and the
 * constraints' scans take moments. No index on the parent: nothing looks campaigns up by it
 * but the foreign key's `set null`, a scan of the small table when a campaign is deleted.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261206200100 extends Migration {
  override name = 'Migration20261206200100';

  override up(): void {
    this.addSql(
      'alter table "campaign" add column if not exists "start_at" timestamptz null, add column if not exists "end_at" timestamptz null, add column if not exists "parent_campaign_id" uuid null;',
    );
    this.addSql('alter table "campaign" drop constraint if exists "campaign_parent_campaign_id_foreign";');
    this.addSql(
      'alter table "campaign" add constraint "campaign_parent_campaign_id_foreign" foreign key ("parent_campaign_id") references "campaign" ("id") on delete set null;',
    );
    this.addSql('alter table "campaign" drop constraint if exists "campaign_status_check";');
    this.addSql(
      "alter table \"campaign\" add constraint \"campaign_status_check\" check (\"status\" in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'expired', 'failed'));",
    );
  }
}
