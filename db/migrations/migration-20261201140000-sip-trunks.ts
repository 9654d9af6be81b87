/** SIP trunks: one owner each (deleted with it), name unique per owner, password sealed. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201140000 extends Migration {
  override name = 'Migration20261201140000';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "sip_trunk" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "host" varchar(253) not null, "port" int not null, "transport" text not null default 'udp', "username" varchar(128) null, "password_sealed" text null, "auth_username" varchar(128) null, "realm" varchar(253) null, "outbound_proxy_host" varchar(253) null, "outbound_proxy_port" int null, "caller_id_number" varchar(32) not null, "caller_id_name" varchar(100) null, "register" boolean not null default false, "register_expires_seconds" int not null default 3600, "max_concurrent_calls" int not null, "max_calls_per_second" int not null, "codecs" text[] not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "sip_trunk" add constraint "sip_trunk_transport_check" check ("transport" in ('udp', 'tcp'));`,
    );
    this.addSql(`alter table "sip_trunk" add constraint "sip_trunk_owner_id_name_unique" unique ("owner_id", "name");`);
    this.addSql(
      `alter table "sip_trunk" add constraint "sip_trunk_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "sip_trunk" cascade;`);
  }
}
