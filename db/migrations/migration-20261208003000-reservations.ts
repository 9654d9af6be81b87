/**
 * Reservations (issue 25): phone numbers a department (or a user without one) keeps for
 * itself until a time; other departments' campaigns skip them at dial time. And
 * `policy_skip`, the journal of attempts a policy rule put back without a call (no
 * `call_record` row can be written for them: the deferred attempt's id is handed out again).
 *
 * New, empty tables: no lock on anything in use.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261208003000 extends Migration {
  override name = 'Migration20261208003000';

  override up(): void {
    this.addSql(
      'create table if not exists "reservation" ("id" uuid not null, "owner_id" uuid not null, ' +
        '"department_id" uuid null, "until" timestamptz not null, "phone_count" int not null, ' +
        '"created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));',
    );
    this.addSql(
      'create index if not exists "reservation_department_id_created_at_id_index" on "reservation" ("department_id", "created_at", "id");',
    );
    this.addSql(
      'create index if not exists "reservation_owner_id_created_at_id_index" on "reservation" ("owner_id", "created_at", "id");',
    );
    this.addSql('alter table "reservation" drop constraint if exists "reservation_owner_id_foreign";');
    this.addSql(
      'alter table "reservation" add constraint "reservation_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;',
    );
    this.addSql('alter table "reservation" drop constraint if exists "reservation_department_id_foreign";');
    this.addSql(
      'alter table "reservation" add constraint "reservation_department_id_foreign" foreign key ("department_id") references "department" ("id") on delete cascade;',
    );
    this.addSql(
      'create table if not exists "reservation_phone" ("reservation_id" uuid not null, "phone_e164" varchar(24) not null, ' +
        'primary key ("reservation_id", "phone_e164"));',
    );
    this.addSql(
      'create index if not exists "reservation_phone_phone_e164_index" on "reservation_phone" ("phone_e164");',
    );
    this.addSql(
      'alter table "reservation_phone" drop constraint if exists "reservation_phone_reservation_id_foreign";',
    );
    this.addSql(
      'alter table "reservation_phone" add constraint "reservation_phone_reservation_id_foreign" foreign key ("reservation_id") references "reservation" ("id") on delete cascade;',
    );
    this.addSql(
      'create table if not exists "policy_skip" ("id" bigserial primary key, "campaign_id" uuid not null, ' +
        '"campaign_contact_id" bigint not null, "phone_e164" varchar(24) not null, "rule" varchar(40) not null, ' +
        '"code" varchar(40) not null, "retry_at" timestamptz not null, "at" timestamptz not null);',
    );
    this.addSql(
      'create index if not exists "policy_skip_campaign_id_at_index" on "policy_skip" ("campaign_id", "at");',
    );
    this.addSql('create index if not exists "policy_skip_phone_e164_index" on "policy_skip" ("phone_e164");');
    this.addSql('alter table "policy_skip" drop constraint if exists "policy_skip_campaign_id_foreign";');
    this.addSql(
      'alter table "policy_skip" add constraint "policy_skip_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;',
    );
  }
}
