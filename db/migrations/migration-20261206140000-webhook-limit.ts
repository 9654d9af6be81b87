/**
 * Per-owner webhook limit (F13): `owner_policy.max_webhooks`, set by an administrator;
 * null follows WEBHOOKS_MAX_PER_OWNER.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261206140000 extends Migration {
  override name = 'Migration20261206140000';

  override up(): void {
    this.addSql('alter table "owner_policy" add column "max_webhooks" int null;');
  }
}
