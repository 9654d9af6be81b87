/**
 * Trunk groups with failover (issue 20): a campaign's fallback trunks after its `trunk_id`,
 * each call's trunks tried (`call_record.trunk_attempts`), and the circuit breaker's state
 * per trunk, shared by every worker (`trunk_health`). New columns are a catalogue change (a
 * constant default needs no table rewrite in PostgreSQL 11+); the new table is empty.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000100 extends Migration {
  override name = 'Migration20261207000100';

  override up(): void {
    this.addSql('alter table "campaign" add column if not exists "fallback_trunk_ids" text[] not null default \'{}\';');
    this.addSql('alter table "call_record" add column if not exists "trunk_attempts" jsonb null;');
    this.addSql(
      'create table if not exists "trunk_health" ("trunk_id" uuid not null, "consecutive_failures" int not null default 0, "down_until" timestamptz null, "last_failure_at" timestamptz null, "last_failure" varchar(200) null, "updated_at" timestamptz not null, primary key ("trunk_id"));',
    );
    this.addSql('alter table "trunk_health" drop constraint if exists "trunk_health_trunk_id_foreign";');
    this.addSql(
      'alter table "trunk_health" add constraint "trunk_health_trunk_id_foreign" foreign key ("trunk_id") references "sip_trunk" ("id") on update cascade on delete cascade;',
    );
  }
}
