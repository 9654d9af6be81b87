/** Owner policies (frequency cap, tenant limit), the dial ledger, and trunk leases generalised to call leases per scope. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202120000 extends Migration {
  override name = 'Migration20261202120000';

  override up(): void {
    this.addSql(
      'create table "call_lease" ("scope" varchar(80) not null, "attempt_id" varchar(64) not null, "expires_at" timestamptz not null, primary key ("scope", "attempt_id"));',
    );
    this.addSql('create index "call_lease_attempt_id_index" on "call_lease" ("attempt_id");');
    this.addSql(
      'create table "owner_policy" ("owner_id" uuid not null, "frequency_cap_max_calls" int null, "frequency_cap_window_seconds" int null, "max_concurrent_calls" int null, "updated_at" timestamptz not null, primary key ("owner_id"));',
    );
    this.addSql(
      'create table "dial_ledger" ("id" bigserial primary key, "owner_id" uuid not null, "phone_e164" varchar(24) not null, "attempt_id" varchar(64) not null, "dialled_at" timestamptz not null);',
    );
    this.addSql(
      'create index "dial_ledger_owner_id_phone_e164_dialled_at_index" on "dial_ledger" ("owner_id", "phone_e164", "dialled_at");',
    );
    this.addSql('create index "dial_ledger_dialled_at_index" on "dial_ledger" ("dialled_at");');
    this.addSql('drop table if exists "trunk_lease" cascade;');
    this.addSql(
      'alter table "owner_policy" add constraint "owner_policy_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on update cascade on delete cascade;',
    );
    this.addSql(
      'alter table "dial_ledger" add constraint "dial_ledger_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;',
    );
  }
}
