/**
 * Durable recordings: the journal row says where its recording is (`recording_state`, with
 * the reason when it is lost), and `recording_upload` is the outbox of recordings spooled on
 * a worker's disk and not stored in object storage yet (activities/recording-outbox.ts).
 * Existing rows: a key means stored (the old code journalled a key only after the upload),
 * none means no recording.
 *
 * Online (F18): outside a transaction, so no lock on call_record outlives its statement. The
 * columns only touch the catalogue (a constant default is not written into the rows); the
 * backfill takes row locks on old, finished calls only, while new calls are journalled; the
 * check is added NOT VALID (a moment's lock) and validated under SHARE UPDATE EXCLUSIVE, which
 * lets reads and writes go on. Every statement can be repeated after an interrupted run.
 */
import { OnlineMigration } from './online-migration.js';

export class Migration20261206110000 extends OnlineMigration {
  override name = 'Migration20261206110000';

  override up(): void {
    this.addSql(
      'alter table "call_record" add column if not exists "recording_state" text not null default \'none\', add column if not exists "recording_error" varchar(500) null;',
    );
    this.addSql(
      'update "call_record" set "recording_state" = \'stored\' where "recording_key" is not null and "recording_state" = \'none\';',
    );
    this.addSql('alter table "call_record" drop constraint if exists "call_record_recording_state_check";');
    this.addSql(
      "alter table \"call_record\" add constraint \"call_record_recording_state_check\" check (\"recording_state\" in ('none', 'pending', 'stored', 'lost')) not valid;",
    );
    this.addSql('alter table "call_record" validate constraint "call_record_recording_state_check";');
    this.addSql(
      'create table if not exists "recording_upload" ("id" uuid not null, "call_id" uuid not null, "spool_id" varchar(64) not null, "spool_file" varchar(300) not null, "object_key" varchar(300) not null, "bytes" bigint not null, "tries" int not null default 0, "next_try_at" timestamptz not null, "last_error" varchar(500) null, "created_at" timestamptz not null, primary key ("id"));',
    );
    // recording_upload is new and empty: plain DDL on it is instant. Re-runnable, each of them.
    this.addSql('alter table "recording_upload" drop constraint if exists "recording_upload_call_id_unique";');
    this.addSql('alter table "recording_upload" add constraint "recording_upload_call_id_unique" unique ("call_id");');
    this.addSql(
      'create index if not exists "recording_upload_spool_id_next_try_at_index" on "recording_upload" ("spool_id", "next_try_at");',
    );
    this.addSql('alter table "recording_upload" drop constraint if exists "recording_upload_call_id_foreign";');
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
