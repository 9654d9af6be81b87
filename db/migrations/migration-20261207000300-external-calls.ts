/**
 * External calls in the call journal (issue 24): calls another PBX made, ingested over REST or
 * gRPC (api/calls/journal-ingest.service.ts), live in `call_record` beside the calls we place,
 * so search, export and the `private` rule stay in one place. Their campaign columns stay null;
 * these columns say where they came from, and the unique index makes a resend find its row.
 *
 * Nullable columns without defaults (catalogue changes, no rewrite) and an index built
 * CONCURRENTLY, outside a transaction (OnlineMigration): every statement can be repeated.
 */
import { OnlineMigration } from './online-migration.js';

const COLUMNS = [
  '"source" varchar(64) null',
  '"external_id" varchar(128) null',
  '"direction" varchar(8) null',
  '"from_party" varchar(256) null',
  '"to_party" varchar(256) null',
  '"external_fields" jsonb null',
  '"external_digest" varchar(64) null',
  '"recording_digest" varchar(64) null',
];

export class Migration20261207000300 extends OnlineMigration {
  override name = 'Migration20261207000300';

  override up(): void {
    for (const column of COLUMNS) this.addSql(`alter table "call_record" add column if not exists ${column};`);
    this.dropIndexConcurrently('call_record_external_unique');
    this.addSql(
      'create unique index concurrently "call_record_external_unique" on "call_record" ("owner_id", "source", "external_id") where "source" is not null;',
    );
  }
}
