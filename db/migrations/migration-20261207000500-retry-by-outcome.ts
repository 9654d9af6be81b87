/**
 * Retry delays per outcome (issue 20): `campaign.retry_by_outcome`, the rules per outcome
 * (campaign/retry-policy.ts); null keeps `retry_delay_seconds` / `retry_on` for every outcome.
 * A nullable column without a default is a catalogue change, no rewrite.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000500 extends Migration {
  override name = 'Migration20261207000500';

  override up(): void {
    this.addSql('alter table "campaign" add column if not exists "retry_by_outcome" jsonb null;');
  }
}
