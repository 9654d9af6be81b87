/** Users, machine clients, auth keys, oidc-provider storage and login throttling. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261123191535 extends Migration {
  override name = 'Migration20261123191535';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "auth_key" ("id" varchar(64) not null, "kind" varchar(32) not null, "material" jsonb not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "auth_key_kind_index" on "auth_key" ("kind");`);

    this.addSql(
      `create table "login_failure" ("id" bigserial primary key, "key" varchar(300) not null, "failed_at" timestamptz not null);`,
    );
    this.addSql(`create index "login_failure_key_failed_at_index" on "login_failure" ("key", "failed_at");`);

    this.addSql(
      `create table "oidc_payload" ("model" varchar(64) not null, "id" varchar(255) not null, "payload" jsonb not null, "grant_id" varchar(255) null, "user_code" varchar(255) null, "uid" varchar(255) null, "account_id" varchar(255) null, "expires_at" timestamptz null, "consumed_at" timestamptz null, primary key ("model", "id"));`,
    );
    this.addSql(`create index "oidc_payload_grant_id_index" on "oidc_payload" ("grant_id");`);
    this.addSql(`create index "oidc_payload_account_id_index" on "oidc_payload" ("account_id");`);
    this.addSql(`create index "oidc_payload_expires_at_index" on "oidc_payload" ("expires_at");`);

    this.addSql(
      `create table "user" ("id" uuid not null, "username" varchar(64) not null, "display_name" varchar(200) null, "role" text not null default 'user', "password_hash" text not null, "disabled" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "user" add constraint "user_username_unique" unique ("username");`);
    this.addSql(`alter table "user" add constraint "user_role_check" check ("role" in ('admin', 'user'));`);

    this.addSql(
      `create table "oauth_client" ("id" varchar(64) not null, "name" varchar(200) not null, "owner_id" uuid not null, "role" text not null default 'user', "secret_version" int not null default 1, "disabled" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "oauth_client" add constraint "oauth_client_role_check" check ("role" in ('admin', 'user'));`,
    );

    this.addSql(
      `alter table "oauth_client" add constraint "oauth_client_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "oauth_client" cascade;`);
    this.addSql(`drop table if exists "user" cascade;`);
    this.addSql(`drop table if exists "oidc_payload" cascade;`);
    this.addSql(`drop table if exists "login_failure" cascade;`);
    this.addSql(`drop table if exists "auth_key" cascade;`);
  }
}
