/**
 * Answering-machine detection (issue 19): the campaign's setting and each call's result, as
 * JSON (campaign/machine-detection.ts, telephony/call-types.ts MachineDetectionResult).
 * Nullable columns without defaults: catalogue changes, no table rewrite, no long lock.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261206200400 extends Migration {
  override name = 'Migration20261206200400';

  override up(): void {
    this.addSql('alter table "campaign" add column if not exists "machine_detection" jsonb null;');
    this.addSql('alter table "call_record" add column if not exists "machine_detection" jsonb null;');
  }
}
