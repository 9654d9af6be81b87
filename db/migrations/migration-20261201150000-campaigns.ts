/** Campaigns, their per-contact scheduler state, the call journal and per-trunk pacing and leases. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201150000 extends Migration {
  override name = 'Migration20261201150000';

  override up(): void {
    this.addSql(
      'create table "trunk_pacing" ("trunk_id" uuid not null, "next_slot" timestamptz not null, primary key ("trunk_id"));',
    );
    this.addSql(
      'create table "trunk_lease" ("trunk_id" uuid not null, "attempt_id" varchar(64) not null, "expires_at" timestamptz not null, primary key ("trunk_id", "attempt_id"));',
    );
    this.addSql(
      'create table "campaign" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "status" text not null default \'draft\', "trunk_id" uuid null, "audio_id" uuid null, "contact_list_id" uuid null, "max_concurrent_calls" int not null, "calls_per_second" double precision not null, "max_attempts" int not null, "retry_delay_seconds" int not null, "retry_on" text[] not null, "ring_timeout_seconds" int not null, "max_call_seconds" int not null, "calling_window" jsonb null, "record" boolean not null default true, "recordings_private" boolean not null default false, "caller_id_number" varchar(32) null, "caller_id_name" varchar(100) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, primary key ("id"));',
    );
    this.addSql('create index "campaign_trunk_id_index" on "campaign" ("trunk_id");');
    this.addSql('create index "campaign_audio_id_index" on "campaign" ("audio_id");');
    this.addSql('create index "campaign_contact_list_id_index" on "campaign" ("contact_list_id");');
    this.addSql('create index "campaign_owner_id_created_at_index" on "campaign" ("owner_id", "created_at");');
    this.addSql(
      'create table "campaign_contact" ("id" bigserial primary key, "campaign_id" uuid not null, "line" int not null, "phone_e164" varchar(24) not null, "name" text null, "variables" jsonb not null, "state" text not null default \'pending\', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "claimed_at" timestamptz null, "last_outcome" varchar(32) null, "final_outcome" varchar(32) null, "updated_at" timestamptz not null);',
    );
    this.addSql(
      'create index "campaign_contact_due_index" on "campaign_contact" ("campaign_id", "next_attempt_at") where "state" in (\'pending\', \'waiting\');',
    );
    this.addSql(
      'create index "campaign_contact_campaign_id_state_index" on "campaign_contact" ("campaign_id", "state");',
    );
    this.addSql(
      'alter table "campaign_contact" add constraint "campaign_contact_campaign_id_line_unique" unique ("campaign_id", "line");',
    );
    this.addSql(
      'create table "call_record" ("id" uuid not null, "owner_id" uuid not null, "campaign_id" uuid null, "campaign_contact_id" bigint null, "attempt_id" varchar(64) not null, "attempt" int not null, "phone_e164" varchar(24) not null, "trunk_id" uuid null, "invite_at" timestamptz not null, "ringing_at" timestamptz null, "answer_at" timestamptz null, "end_at" timestamptz not null, "outcome" varchar(32) not null, "sip_code" int null, "sip_reason" varchar(200) null, "hung_up_by" varchar(8) null, "end_reason" varchar(200) not null, "talk_ms" int null, "codec" varchar(8) null, "rtp" jsonb null, "dtmf" jsonb not null, "recording_key" varchar(300) null, "recording_private" boolean not null default false, "tags" text[] not null default \'{}\', "created_at" timestamptz not null, primary key ("id"));',
    );
    this.addSql('alter table "call_record" add constraint "call_record_attempt_id_unique" unique ("attempt_id");');
    this.addSql(
      'create index "call_record_owner_id_phone_e164_invite_at_index" on "call_record" ("owner_id", "phone_e164", "invite_at");',
    );
    this.addSql('create index "call_record_owner_id_invite_at_index" on "call_record" ("owner_id", "invite_at");');
    this.addSql(
      'create index "call_record_campaign_id_invite_at_index" on "call_record" ("campaign_id", "invite_at");',
    );
    this.addSql(
      'alter table "trunk_pacing" add constraint "trunk_pacing_trunk_id_foreign" foreign key ("trunk_id") references "sip_trunk" ("id") on update cascade on delete cascade;',
    );
    this.addSql(
      'alter table "trunk_lease" add constraint "trunk_lease_trunk_id_foreign" foreign key ("trunk_id") references "sip_trunk" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "campaign" add constraint "campaign_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "campaign" add constraint "campaign_trunk_id_foreign" foreign key ("trunk_id") references "sip_trunk" ("id") on delete set null;',
    );
    this.addSql(
      'alter table "campaign" add constraint "campaign_audio_id_foreign" foreign key ("audio_id") references "audio_message" ("id") on delete set null;',
    );
    this.addSql(
      'alter table "campaign" add constraint "campaign_contact_list_id_foreign" foreign key ("contact_list_id") references "contact_list" ("id") on delete set null;',
    );
    this.addSql(
      "alter table \"campaign\" add constraint \"campaign_status_check\" check (\"status\" in ('draft', 'running', 'paused', 'completed', 'cancelled', 'failed'));",
    );
    this.addSql(
      'alter table "campaign_contact" add constraint "campaign_contact_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;',
    );
    this.addSql(
      "alter table \"campaign_contact\" add constraint \"campaign_contact_state_check\" check (\"state\" in ('pending', 'in_flight', 'waiting', 'done', 'cancelled'));",
    );
    this.addSql(
      'alter table "call_record" add constraint "call_record_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "call_record" add constraint "call_record_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete set null;',
    );
  }
}
