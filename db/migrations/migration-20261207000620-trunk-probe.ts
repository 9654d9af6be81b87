/**
 * OPTIONS probes of trunks held down by their circuit breaker (issue 20,
 * activities/trunk-prober.ts): when the last probe went out and what came back. Nullable
 * columns are a catalogue change, no table rewrite.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000620 extends Migration {
  override name = 'Migration20261207000620';

  override up(): void {
    this.addSql('alter table "trunk_health" add column if not exists "last_probe_at" timestamptz null;');
    this.addSql('alter table "trunk_health" add column if not exists "last_probe" varchar(200) null;');
  }
}
