/** Webhooks (owner- or campaign-wide, secret sealed) and their delivery log, which is also the outbox. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202130000 extends Migration {
  override name = 'Migration20261202130000';

  override up(): void {
    this.addSql(
      'create table "webhook" ("id" uuid not null, "owner_id" uuid not null, "campaign_id" uuid null, "url" varchar(2048) not null, "events" text[] not null, "active" boolean not null default true, "secret_sealed" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));',
    );
    this.addSql('create index "webhook_campaign_id_index" on "webhook" ("campaign_id");');
    this.addSql('create index "webhook_owner_id_created_at_index" on "webhook" ("owner_id", "created_at");');
    this.addSql(
      'create table "webhook_delivery" ("id" uuid not null, "webhook_id" uuid not null, "event" varchar(32) not null, "subject" varchar(64) not null, "campaign_id" uuid null, "body" text not null, "status" text not null default \'pending\', "attempts" int not null default 0, "last_status_code" int null, "last_error" varchar(500) null, "attempt_log" jsonb not null, "created_at" timestamptz not null, "dispatched_at" timestamptz null, "last_attempt_at" timestamptz null, "finished_at" timestamptz null, primary key ("id"));',
    );
    this.addSql(
      'create index "webhook_delivery_webhook_id_created_at_index" on "webhook_delivery" ("webhook_id", "created_at");',
    );
    this.addSql(
      'create index "webhook_delivery_undispatched_index" on "webhook_delivery" ("campaign_id") where "dispatched_at" is null;',
    );
    this.addSql(
      'alter table "webhook_delivery" add constraint "webhook_delivery_webhook_id_event_subject_unique" unique ("webhook_id", "event", "subject");',
    );
    this.addSql(
      'alter table "webhook" add constraint "webhook_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "webhook" add constraint "webhook_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "webhook_delivery" add constraint "webhook_delivery_webhook_id_foreign" foreign key ("webhook_id") references "webhook" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "webhook_delivery" add constraint "webhook_delivery_status_check" check ("status" in (\'pending\', \'delivered\', \'failed\'));',
    );
  }

  override down(): void {
    this.addSql('drop table if exists "webhook_delivery" cascade;');
    this.addSql('drop table if exists "webhook" cascade;');
  }
}
