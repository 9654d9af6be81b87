/** The per-owner blocklist, the campaigns' opt-out digit and the journal's opted-out flag. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202110000 extends Migration {
  override name = 'Migration20261202110000';

  override up(): void {
    this.addSql(
      'create table "blocklist" ("id" uuid not null, "owner_id" uuid not null, "phone_e164" varchar(24) not null, "reason" text not null, "note" varchar(500) null, "campaign_id" uuid null, "call_id" uuid null, "created_at" timestamptz not null, primary key ("id"));',
    );
    this.addSql(
      'create index "blocklist_owner_id_created_at_id_index" on "blocklist" ("owner_id", "created_at", "id");',
    );
    this.addSql(
      'create index "blocklist_campaign_id_index" on "blocklist" ("campaign_id") where "campaign_id" is not null;',
    );
    this.addSql('create index "blocklist_call_id_index" on "blocklist" ("call_id") where "call_id" is not null;');
    this.addSql(
      'alter table "blocklist" add constraint "blocklist_owner_id_phone_e164_unique" unique ("owner_id", "phone_e164");',
    );
    this.addSql('alter table "campaign" add "opt_out_digit" text null;');
    this.addSql(
      "alter table \"campaign\" add constraint \"campaign_opt_out_digit_check\" check (\"opt_out_digit\" in ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'));",
    );
    this.addSql('alter table "call_record" add "opted_out" boolean not null default false;');
    this.addSql(
      'alter table "blocklist" add constraint "blocklist_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "blocklist" add constraint "blocklist_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete set null;',
    );
    this.addSql(
      'alter table "blocklist" add constraint "blocklist_call_id_foreign" foreign key ("call_id") references "call_record" ("id") on delete set null;',
    );
    this.addSql(
      'alter table "blocklist" add constraint "blocklist_reason_check" check ("reason" in (\'manual\', \'opt_out\', \'upload\'));',
    );
  }
}
