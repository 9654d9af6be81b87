/**
 * Departments (issue 25): teams of users inside one installation.
 *
 * - `department`: a name and the department's limits (null: not set; the strictest of
 *   owner, department and installation applies, campaign/owner-policy.ts).
 * - `user.department_id`: a user belongs to at most one department (null: none).
 * - `department_manager`: the users who manage a department besides the installation's
 *   administrators; one user may manage several.
 * - `department_id` on trunks, audio, contact lists, campaigns, blocklist entries and
 *   webhooks: the department the owner shared the object with (null: not shared). The owner
 *   stays recorded in `owner_id`.
 *
 * Nullable columns without defaults are catalogue changes; the new tables are empty. The
 * share columns get no foreign key (that would scan and lock the owned tables); a deleted
 * department is cleared from them by the API in the same transaction.
 */
import { Migration } from '@mikro-orm/migrations';

export const SHARED_TABLES = [
  'sip_trunk',
  'audio_message',
  'contact_list',
  'campaign',
  'blocklist',
  'webhook',
] as const;

export class Migration20261208000100 extends Migration {
  override name = 'Migration20261208000100';

  override up(): void {
    this.addSql(
      'create table if not exists "department" ("id" uuid not null, "name" varchar(200) not null, ' +
        '"max_concurrent_calls" int null, "max_calls_per_day" int null, ' +
        '"frequency_cap_max_calls" int null, "frequency_cap_window_seconds" int null, ' +
        '"created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));',
    );
    this.addSql('alter table "department" drop constraint if exists "department_name_unique";');
    this.addSql('alter table "department" add constraint "department_name_unique" unique ("name");');
    // Names are unique regardless of case too (`Sales` and `sales` are one department).
    this.addSql('create unique index if not exists "department_name_lower_unique" on "department" (lower("name"));');
    this.addSql(
      'create table if not exists "department_manager" ("department_id" uuid not null, "user_id" uuid not null, ' +
        'primary key ("department_id", "user_id"));',
    );
    this.addSql(
      'alter table "department_manager" drop constraint if exists "department_manager_department_id_foreign";',
    );
    this.addSql(
      'alter table "department_manager" add constraint "department_manager_department_id_foreign" foreign key ("department_id") references "department" ("id") on update cascade on delete cascade;',
    );
    this.addSql('alter table "department_manager" drop constraint if exists "department_manager_user_id_foreign";');
    this.addSql(
      'alter table "department_manager" add constraint "department_manager_user_id_foreign" foreign key ("user_id") references "user" ("id") on update cascade on delete cascade;',
    );
    this.addSql('alter table "user" add column if not exists "department_id" uuid null;');
    this.addSql('alter table "user" drop constraint if exists "user_department_id_foreign";');
    this.addSql(
      'alter table "user" add constraint "user_department_id_foreign" foreign key ("department_id") references "department" ("id") on delete set null;',
    );
    for (const table of SHARED_TABLES) {
      this.addSql(`alter table "${table}" add column if not exists "department_id" uuid null;`);
    }
  }
}
