/**
 * Durable recordings: the journal row says where its recording is (`recording_state`, with
 * the reason when it is lost), and `recording_upload` is the outbox of recordings spooled on
 * a worker's disk and not stored in object storage yet (activities/recording-outbox.ts).
 * Existing rows: a key means stored (the old code journalled a key only after the upload),
 * none means no recording.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261206110000 extends Migration {
  override name = 'Migration20261206110000';

  override up(): void {
    this.addSql(
      'alter table "call_record" add column "recording_state" text not null default \'none\', add column "recording_error" varchar(500) null;',
    );
    this.addSql('update "call_record" set "recording_state" = \'stored\' where "recording_key" is not null;');
    this.addSql(
      "alter table \"call_record\" add constraint \"call_record_recording_state_check\" check (\"recording_state\" in ('none', 'pending', 'stored', 'lost'));",
    );
    this.addSql(
      'create table "recording_upload" ("id" uuid not null, "call_id" uuid not null, "spool_id" varchar(64) not null, "spool_file" varchar(300) not null, "object_key" varchar(300) not null, "bytes" bigint not null, "tries" int not null default 0, "next_try_at" timestamptz not null, "last_error" varchar(500) null, "created_at" timestamptz not null, primary key ("id"));',
    );
    this.addSql('alter table "recording_upload" add constraint "recording_upload_call_id_unique" unique ("call_id");');
    this.addSql(
      'create index "recording_upload_spool_id_next_try_at_index" on "recording_upload" ("spool_id", "next_try_at");',
    );
    this.addSql(
      'alter table "recording_upload" add constraint "recording_upload_call_id_foreign" foreign key ("call_id") references "call_record" ("id") on delete cascade;',
    );
  }

  override down(): void {
    this.addSql('drop table if exists "recording_upload" cascade;');
    this.addSql('alter table "call_record" drop constraint "call_record_recording_state_check";');
    this.addSql('alter table "call_record" drop column "recording_state", drop column "recording_error";');
  }
}
