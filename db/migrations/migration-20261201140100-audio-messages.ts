/** Audio messages: metadata of the original upload and its prepared 8 kHz form (objects in MinIO). */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201140100 extends Migration {
  override name = 'Migration20261201140100';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "audio_message" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "duration_ms" int not null, "original_format" text not null, "original_sample_rate" int not null, "original_channels" smallint not null, "original_size" bigint not null, "original_sha256" varchar(64) not null, "original_key" varchar(300) not null, "prepared_size" bigint not null, "prepared_duration_ms" int not null, "prepared_key" varchar(300) not null, "loudness_lufs" double precision null, "gain_db" double precision not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "audio_message_owner_id_created_at_index" on "audio_message" ("owner_id", "created_at");`,
    );
    this.addSql(
      `alter table "audio_message" add constraint "audio_message_original_format_check" check ("original_format" in ('wav', 'mp3', 'flac', 'ogg-vorbis', 'ogg-opus', 'ogg-flac'));`,
    );
    this.addSql(
      `alter table "audio_message" add constraint "audio_message_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audio_message" cascade;`);
  }
}
