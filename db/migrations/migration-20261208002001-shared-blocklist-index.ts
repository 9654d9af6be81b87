/**
 * The dial-time blocklist check also looks for the number among the entries shared with the
 * caller's department (issue 25): `department_id, phone_e164` for the shared rows only, built
 * CONCURRENTLY (the blocklist can be large and is read before every INVITE).
 */
import { OnlineMigration } from './online-migration.js';

export class Migration20261208002001 extends OnlineMigration {
  override name = 'Migration20261208002001';

  override up(): void {
    this.createIndexConcurrently(
      'blocklist_department_id_phone_e164_index',
      'blocklist',
      '("department_id", "phone_e164") where "department_id" is not null',
    );
  }
}
