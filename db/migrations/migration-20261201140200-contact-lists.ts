/** Contact lists, their contacts (bulk-loaded by COPY) and the invalid lines of each import. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201140200 extends Migration {
  override name = 'Migration20261201140200';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "contact_list" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "status" text not null default 'importing', "default_country" varchar(2) null, "total_rows" int not null default 0, "imported" int not null default 0, "duplicates" int not null default 0, "invalid" int not null default 0, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "contact_list_owner_id_index" on "contact_list" ("owner_id");`);
    this.addSql(
      `alter table "contact_list" add constraint "contact_list_status_check" check ("status" in ('importing', 'ready'));`,
    );
    this.addSql(
      `alter table "contact_list" add constraint "contact_list_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;`,
    );

    this.addSql(
      `create table "contact" ("list_id" uuid not null, "line" int not null, "phone_e164" varchar(24) not null, "name" text null, "variables" jsonb not null, primary key ("list_id", "line"));`,
    );
    this.addSql(
      `alter table "contact" add constraint "contact_list_id_phone_e164_unique" unique ("list_id", "phone_e164");`,
    );

    this.addSql(
      `create table "contact_invalid_line" ("list_id" uuid not null, "line" int not null, "raw" text not null, "reason" varchar(32) not null, primary key ("list_id", "line"));`,
    );

    // No foreign keys to contact_list (a per-row check during COPY): its delete trigger cascades.
    this.addSql(
      `create or replace function "contact_list_delete_contacts_fn"() returns trigger as $$ begin delete from contact where list_id = old.id; delete from contact_invalid_line where list_id = old.id; return old; end; $$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "delete_contacts" AFTER DELETE on "contact_list" for each ROW execute function "contact_list_delete_contacts_fn"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "contact_invalid_line" cascade;`);
    this.addSql(`drop table if exists "contact" cascade;`);
    this.addSql(`drop table if exists "contact_list" cascade;`);
    this.addSql(`drop function if exists "contact_list_delete_contacts_fn"();`);
  }
}
