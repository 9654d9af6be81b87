/**
 * The audit log (issue 21): one row per audited API request (api/audit/). A new table, so its
 * indexes are built in the migration's transaction without locking anything in service.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261206200000 extends Migration {
  override name = 'Migration20261206200000';

  override up(): void {
    this.addSql(
      'create table "audit_entry" ("id" uuid not null, "created_at" timestamptz not null, "action" varchar(64) not null, "route" varchar(200) not null, "target_type" text not null, "target_id" varchar(200) null, "actor_user_id" uuid not null, "actor_username" varchar(200) not null, "actor_client_id" varchar(200) null, "actor_role" varchar(16) not null, "ip" varchar(100) null, "request_id" varchar(100) null, "status" int not null, "outcome" text not null, "changes" jsonb null, primary key ("id"));',
    );
    this.addSql(
      'create index "audit_entry_actor_user_id_created_at_id_index" on "audit_entry" ("actor_user_id", "created_at", "id");',
    );
    this.addSql('create index "audit_entry_created_at_id_index" on "audit_entry" ("created_at", "id");');
    this.addSql(
      'create index "audit_entry_target_type_target_id_created_at_id_index" on "audit_entry" ("target_type", "target_id", "created_at", "id");',
    );
    this.addSql(
      "alter table \"audit_entry\" add constraint \"audit_entry_target_type_check\" check (\"target_type\" in ('audio', 'blocklist', 'call', 'campaign', 'client', 'contact_list', 'policy', 'trunk', 'user', 'webhook'));",
    );
    this.addSql(
      "alter table \"audit_entry\" add constraint \"audit_entry_outcome_check\" check (\"outcome\" in ('success', 'denied', 'rejected', 'error'));",
    );
  }
}
