/**
 * The campaign event stream (api/campaigns/campaign-event-feed.ts):
 * - `call_record.journal_xid`, the transaction that wrote the row's outcome, and the index that
 *   reads a campaign's rows in that order. The default is stable (`pg_current_xact_id()` is
 *   evaluated once for the existing rows: they all get this statement's transaction), so adding
 *   the column changes the catalogue only, no table rewrite.
 * - `campaign_event_ticket`, the one-time tickets a browser's EventSource connects with.
 *
 * Online (F18): outside a transaction, the index built CONCURRENTLY; every statement can be
 * repeated after an interrupted run.
 */
import { OnlineMigration } from './online-migration.js';

export class Migration20261206200300 extends OnlineMigration {
  override name = 'Migration20261206200300';

  override up(): void {
    this.addSql(
      'alter table "call_record" add column if not exists "journal_xid" xid8 not null default pg_current_xact_id();',
    );
    this.createIndexConcurrently(
      'call_record_campaign_id_journal_xid_id_index',
      'call_record',
      '("campaign_id", "journal_xid", "id")',
    );
    this.addSql(
      'create table if not exists "campaign_event_ticket" ("ticket_hash" varchar(64) not null, "campaign_id" uuid not null, "user_id" uuid not null, "principal" jsonb not null, "expires_at" timestamptz not null, primary key ("ticket_hash"));',
    );
    this.addSql(
      'create index if not exists "campaign_event_ticket_campaign_id_index" on "campaign_event_ticket" ("campaign_id");',
    );
    this.addSql(
      'create index if not exists "campaign_event_ticket_user_id_index" on "campaign_event_ticket" ("user_id");',
    );
    this.addSql(
      'alter table "campaign_event_ticket" drop constraint if exists "campaign_event_ticket_campaign_id_foreign";',
    );
    this.addSql(
      'alter table "campaign_event_ticket" add constraint "campaign_event_ticket_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;',
    );
    this.addSql(
      'alter table "campaign_event_ticket" drop constraint if exists "campaign_event_ticket_user_id_foreign";',
    );
    this.addSql(
      'alter table "campaign_event_ticket" add constraint "campaign_event_ticket_user_id_foreign" foreign key ("user_id") references "user" ("id") on delete cascade;',
    );
  }

  override down(): void {
    this.addSql('drop table if exists "campaign_event_ticket" cascade;');
    this.dropIndexConcurrently('call_record_campaign_id_journal_xid_id_index');
    this.addSql('alter table "call_record" drop column if exists "journal_xid";');
  }
}
