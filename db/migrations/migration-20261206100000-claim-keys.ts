/**
 * Claims that can be repeated and recovered (activities/campaign.activities.ts): each claim
 * stamps its contacts with the claim's key (`<workflow run id>:<claim number>`), so a claim
 * run again for the same step returns the same contacts, and a new run of the campaign's
 * workflow adopts what an earlier run claimed. `infra_failures` counts an attempt's
 * infrastructure failures before any INVITE left (they do not use up attempts). Online (F18):
 * both columns only touch the catalogue (a constant default is not written into the rows), and
 * the index is built CONCURRENTLY.
 */
import { OnlineMigration } from './online-migration.js';

export class Migration20261206100000 extends OnlineMigration {
  override name = 'Migration20261206100000';

  override up(): void {
    this.addSql('alter table "campaign_contact" add column if not exists "claim_key" text null;');
    this.addSql('alter table "campaign_contact" add column if not exists "infra_failures" int not null default 0;');
    this.createIndexConcurrently(
      'campaign_contact_claim_index',
      'campaign_contact',
      '("campaign_id", "claim_key") where "state" = \'in_flight\'',
    );
  }
}
