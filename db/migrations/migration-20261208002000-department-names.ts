/**
 * Departments, second step (issue 25). (The case-insensitive name index moved into
 * Migration20261208000100, which creates the table: neither had been released.)
 *
 * - Audit entries may name a department as their target: the target-type check gains
 *   `department`. Added NOT VALID and validated apart, so the large `audit_entry` table is
 *   only scanned under SHARE UPDATE EXCLUSIVE (writes go on).
 */
import { Migration } from '@mikro-orm/migrations';

const TARGET_TYPES = [
  'audio',
  'blocklist',
  'call',
  'campaign',
  'client',
  'contact_list',
  'department',
  'policy',
  'trunk',
  'user',
  'webhook',
];

export class Migration20261208002000 extends Migration {
  override name = 'Migration20261208002000';

  override up(): void {
    this.addSql('alter table "audit_entry" drop constraint if exists "audit_entry_target_type_check";');
    this.addSql(
      `alter table "audit_entry" add constraint "audit_entry_target_type_check" check ("target_type" in (${TARGET_TYPES.map((t) => `'${t}'`).join(', ')})) not valid;`,
    );
    this.addSql('alter table "audit_entry" validate constraint "audit_entry_target_type_check";');
  }
}
