/**
 * Compliance profiles (issue 20): `campaign.compliance_profile` (`none`, `us`, `uk`; default
 * `none`) and `owner_policy.compliance_profile` (null: none), see
 * campaign/compliance-profile.ts. A constant default is a catalogue change in PostgreSQL 11+
 * (no table rewrite); the check constraints scan `campaign` and `owner_policy`, both small.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207000610 extends Migration {
  override name = 'Migration20261207000610';

  override up(): void {
    this.addSql('alter table "campaign" add column if not exists "compliance_profile" text not null default \'none\';');
    this.addSql('alter table "campaign" drop constraint if exists "campaign_compliance_profile_check";');
    this.addSql(
      'alter table "campaign" add constraint "campaign_compliance_profile_check" check ("compliance_profile" in (\'none\', \'us\', \'uk\'));',
    );
    this.addSql('alter table "owner_policy" add column if not exists "compliance_profile" text null;');
    this.addSql('alter table "owner_policy" drop constraint if exists "owner_policy_compliance_profile_check";');
    this.addSql(
      'alter table "owner_policy" add constraint "owner_policy_compliance_profile_check" check ("compliance_profile" in (\'none\', \'us\', \'uk\'));',
    );
  }
}
