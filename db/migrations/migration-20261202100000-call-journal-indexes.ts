/**
 * Call journal search indexes ending in (invite_at, id), the keyset order, and two for
 * administrators' searches across owners. Online (F18): built and dropped CONCURRENTLY outside
 * a transaction, the new ones before the old ones go, so the journal keeps being written and
 * searched on a large table while this runs.
 */
import { OnlineMigration } from './online-migration.js';

export class Migration20261202100000 extends OnlineMigration {
  override name = 'Migration20261202100000';

  override up(): void {
    this.createIndexConcurrently(
      'call_record_owner_id_phone_e164_invite_at_id_index',
      'call_record',
      '("owner_id", "phone_e164", "invite_at", "id")',
    );
    this.createIndexConcurrently(
      'call_record_owner_id_invite_at_id_index',
      'call_record',
      '("owner_id", "invite_at", "id")',
    );
    this.createIndexConcurrently(
      'call_record_campaign_id_invite_at_id_index',
      'call_record',
      '("campaign_id", "invite_at", "id")',
    );
    this.createIndexConcurrently(
      'call_record_phone_e164_invite_at_id_index',
      'call_record',
      '("phone_e164", "invite_at", "id")',
    );
    this.createIndexConcurrently('call_record_invite_at_id_index', 'call_record', '("invite_at", "id")');
    this.dropIndexConcurrently('call_record_campaign_id_invite_at_index');
    this.dropIndexConcurrently('call_record_owner_id_invite_at_index');
    this.dropIndexConcurrently('call_record_owner_id_phone_e164_invite_at_index');
  }
}
