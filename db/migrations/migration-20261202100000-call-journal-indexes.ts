/** Call journal search indexes ending in (invite_at, id), the keyset order, and two for administrators' searches across owners. */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202100000 extends Migration {
  override name = 'Migration20261202100000';

  override up(): void {
    this.addSql('drop index "call_record_campaign_id_invite_at_index";');
    this.addSql('drop index "call_record_owner_id_invite_at_index";');
    this.addSql('drop index "call_record_owner_id_phone_e164_invite_at_index";');
    this.addSql(
      'create index "call_record_owner_id_phone_e164_invite_at_id_index" on "call_record" ("owner_id", "phone_e164", "invite_at", "id");',
    );
    this.addSql(
      'create index "call_record_owner_id_invite_at_id_index" on "call_record" ("owner_id", "invite_at", "id");',
    );
    this.addSql(
      'create index "call_record_campaign_id_invite_at_id_index" on "call_record" ("campaign_id", "invite_at", "id");',
    );
    this.addSql(
      'create index "call_record_phone_e164_invite_at_id_index" on "call_record" ("phone_e164", "invite_at", "id");',
    );
    this.addSql('create index "call_record_invite_at_id_index" on "call_record" ("invite_at", "id");');
  }
}
