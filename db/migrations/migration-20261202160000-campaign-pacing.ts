/** Each campaign's own calls-per-second pacer, apart from its trunk's. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202160000 extends Migration {
  override name = 'Migration20261202160000';

  override up(): void {
    this.addSql(
      'create table "campaign_pacing" ("campaign_id" uuid not null, "next_slot" timestamptz not null, primary key ("campaign_id"));',
    );
    this.addSql(
      'alter table "campaign_pacing" add constraint "campaign_pacing_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on update cascade on delete cascade;',
    );
  }
}
