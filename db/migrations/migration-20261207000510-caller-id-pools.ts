/**
 * Caller-ID pools (issue 20): `campaign.caller_id_pool` (numbers, strategy, daily cap; null:
 * no pool), `call_record.caller_id_number` (the number the INVITE's From carried), and
 * `caller_id_usage`, the calls per owner, number and UTC day, counted atomically when a call
 * picks a number, so every worker sees the same counts. Nullable columns are catalogue
 * changes; the new table is empty.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000510 extends Migration {
  override name = 'Migration20261207000510';

  override up(): void {
    this.addSql('alter table "campaign" add column if not exists "caller_id_pool" jsonb null;');
    this.addSql('alter table "call_record" add column if not exists "caller_id_number" varchar(32) null;');
    this.addSql(
      'create table if not exists "caller_id_usage" ("owner_id" uuid not null, "number" varchar(32) not null, "day" date not null, "calls" int not null default 0, primary key ("owner_id", "number", "day"));',
    );
    this.addSql('alter table "caller_id_usage" drop constraint if exists "caller_id_usage_owner_id_foreign";');
    this.addSql(
      'alter table "caller_id_usage" add constraint "caller_id_usage_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on update cascade on delete cascade;',
    );
  }
}
