/**
 * Campaigns that start at once whatever their size (issue 23): a list above
 * CAMPAIGN_COPY_INLINE_MAX_CONTACTS is copied into `campaign_contact` by the workflow's
 * `prepareContacts` activity instead of inside the start request, with the status
 * `preparing` meanwhile. `contacts_total` (the list's size at start; null: copied at start as
 * before), `contacts_copied` (progress) and `contacts_copied_at` (when the copy finished).
 * `campaign` has a row per campaign: nullable columns and a constant default are catalogue
 * changes, and the status constraint's scan takes moments.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000400 extends Migration {
  override name = 'Migration20261207000400';

  override up(): void {
    this.addSql(
      'alter table "campaign" add column if not exists "contacts_total" int null, add column if not exists "contacts_copied" int not null default 0, add column if not exists "contacts_copied_at" timestamptz null;',
    );
    this.addSql('alter table "campaign" drop constraint if exists "campaign_status_check";');
    this.addSql(
      "alter table \"campaign\" add constraint \"campaign_status_check\" check (\"status\" in ('draft', 'scheduled', 'preparing', 'running', 'paused', 'completed', 'cancelled', 'expired', 'failed'));",
    );
  }
}
