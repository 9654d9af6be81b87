/**
 * Streams the journal export and a campaign's results as CSV (formats in call-export.ts).
 *
 * Constant memory whatever the row count: keyset batches of {@link EXPORT_BATCH_ROWS} rows,
 * each query on a pooled connection that goes back to the pool before the batch is sent,
 * so a slow reader holds no connection (F11); the next batch is read only when the
 * response has taken the previous one (the stream is pulled, and `pipe` honours the
 * socket's backpressure). A client that goes away destroys the stream: no query follows.
 *
 * The header needs every variable name before the first row: one pass over the rows' names
 * comes first. A row journalled during the export with a name not seen then (a new list's
 * column) has that cell left out.
 */
import { Readable } from 'node:stream';
import { isAdmin, type Principal } from '../../auth/principal.js';
import {
  CONTACT_BATCH_SQL,
  CONTACT_VARIABLES_SQL,
  journalBatchSql,
  journalVariablesSql,
} from '../../db/call-exports.js';
import { campaignOwner } from '../../db/campaigns.js';
import type { Pool } from '../../db/sql.js';
import type { Logger } from '../../lib/logger.js';
import { isUuid } from '../keyset-cursor.js';
import { visibleTo } from '../ownership.js';
import {
  CALL_COLUMNS,
  EXTERNAL_COLUMNS,
  CONTACT_COLUMNS,
  contactRow,
  EXPORT_BATCH_ROWS,
  headerRecord,
  recordWriter,
  sortNames,
  type ExportJournalRow,
} from './call-export.js';
import { parseCallQuery, type CallCursor, type CallQueryInput } from './call-query.js';

/** A CSV download: its file name and its body, to be sent as `text/csv`. */
export interface CsvDownload {
  readonly fileName: string;
  readonly csv: Readable;
}

export interface CallExportDeps {
  readonly pool: Pool;
  /** The API's public base URL (no trailing slash): recording links are absolute. */
  readonly publicUrl: string;
  readonly logger: Logger;
  /** Rows per batch (tests make it small to cross many batches). */
  readonly batchRows?: number;
}

/** The journal's filters without paging. */
export type CallExportInput = Omit<CallQueryInput, 'limit' | 'after'>;

/** `20261206T201500Z`: a file name part that is safe everywhere. */
const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export class CallExportService {
  constructor(private readonly deps: CallExportDeps) {}

  private get batchRows(): number {
    return this.deps.batchRows ?? EXPORT_BATCH_ROWS;
  }

  /** Every attempt matching the journal's filters, newest first; the caller's own (an administrator's: all). */
  async journal(principal: Principal, input: CallExportInput): Promise<CsvDownload> {
    const query = { ...parseCallQuery(input), limit: this.batchRows };
    const ownerId = isAdmin(principal) ? undefined : principal.userId;
    const names = await this.names(journalVariablesSql(query, ownerId));
    const write = recordWriter(this.deps.publicUrl, names);
    const pool = this.deps.pool;
    const batch = async (after: CallCursor | undefined) => {
      const { text, values } = journalBatchSql({ ...query, after }, ownerId);
      const { rows } = await pool.query<ExportJournalRow & { id: string; invite_exact: string }>(text, values);
      const last = rows.at(-1);
      return { rows, next: last ? { inviteAt: last.invite_exact, id: last.id } : undefined };
    };
    return {
      fileName: `calls-${stamp(new Date())}.csv`,
      csv: this.stream(headerRecord([...CALL_COLUMNS, ...EXTERNAL_COLUMNS], names), batch, write),
    };
  }

  /** One record per contact of the campaign, in file order, with its final outcome and last attempt. */
  async campaignContacts(principal: Principal, campaignId: string): Promise<CsvDownload> {
    await this.campaignVisible(principal, campaignId);
    const names = await this.names({ text: CONTACT_VARIABLES_SQL, values: [campaignId] });
    const write = recordWriter(this.deps.publicUrl, names);
    const pool = this.deps.pool;
    const batch = async (after: number | undefined) => {
      const { rows } = await pool.query<Parameters<typeof contactRow>[0]>(CONTACT_BATCH_SQL, [
        campaignId,
        after ?? 0,
        this.batchRows,
      ]);
      return { rows: rows.map(contactRow), next: rows.at(-1)?.line };
    };
    return {
      fileName: `campaign-${campaignId}-results.csv`,
      csv: this.stream(headerRecord([...CALL_COLUMNS, ...CONTACT_COLUMNS], names), batch, write),
    };
  }

  /** One record per attempt of the campaign: the journal export filtered to it. */
  async campaignAttempts(principal: Principal, campaignId: string): Promise<CsvDownload> {
    await this.campaignVisible(principal, campaignId);
    const download = await this.journal(principal, { campaignId });
    return { ...download, fileName: `campaign-${campaignId}-attempts.csv` };
  }

  private async campaignVisible(principal: Principal, campaignId: string): Promise<void> {
    const ownerId = isUuid(campaignId) ? await campaignOwner(this.deps.pool, campaignId) : undefined;
    visibleTo(principal, ownerId === undefined ? null : { ownerId }, (r) => r.ownerId, `Campaign ${campaignId}`);
  }

  private async names(sql: { text: string; values: unknown[] }): Promise<string[]> {
    const { rows } = await this.deps.pool.query<{ name: string }>(sql.text, sql.values);
    return sortNames(rows.map((r) => r.name));
  }

  /**
   * The header, then the batches as `read` pulls them: a batch is queried only when the
   * consumer wants more (Readable.from pulls the generator on demand), and destroying the
   * stream (the client left) ends the generator at its next step.
   */
  private stream<R, C>(
    header: string,
    batch: (after: C | undefined) => Promise<{ rows: R[]; next: C | undefined }>,
    write: (row: R) => string,
  ): Readable {
    const size = this.batchRows;
    async function* records(): AsyncGenerator<string> {
      yield header;
      let after: C | undefined;
      for (;;) {
        const { rows, next } = await batch(after);
        if (rows.length > 0) yield rows.map(write).join('');
        if (rows.length < size || next === undefined) return;
        after = next;
      }
    }
    const csv = Readable.from(records(), { objectMode: false, highWaterMark: 64 * 1024 });
    csv.once('error', (err) => this.deps.logger.warn({ err }, 'CSV export failed midway'));
    return csv;
  }
}
