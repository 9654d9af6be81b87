/**
 * Priorities and weights in trunk groups (issue 20, campaign/trunk-shares.ts): the shares of
 * a campaign's trunks (`campaign.trunk_shares`, null: a plain order), and the calls each
 * trunk took from the campaign (`campaign_trunk_share`), which the weighted rotation counts
 * against so that the share holds across workers and restarts. A nullable column is a
 * catalogue change; the new table is empty.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000621 extends Migration {
  override name = 'Migration20261207000621';

  override up(): void {
    this.addSql('alter table "campaign" add column if not exists "trunk_shares" jsonb null;');
    this.addSql(
      'create table if not exists "campaign_trunk_share" ("campaign_id" uuid not null, "trunk_id" uuid not null, "calls" int not null default 0, primary key ("campaign_id", "trunk_id"));',
    );
    this.addSql(
      'alter table "campaign_trunk_share" drop constraint if exists "campaign_trunk_share_campaign_id_foreign";',
    );
    this.addSql(
      'alter table "campaign_trunk_share" add constraint "campaign_trunk_share_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on update cascade on delete cascade;',
    );
    this.addSql(
      'alter table "campaign_trunk_share" drop constraint if exists "campaign_trunk_share_trunk_id_foreign";',
    );
    this.addSql(
      'alter table "campaign_trunk_share" add constraint "campaign_trunk_share_trunk_id_foreign" foreign key ("trunk_id") references "sip_trunk" ("id") on update cascade on delete cascade;',
    );
  }
}
