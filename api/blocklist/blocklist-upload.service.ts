/**
 * Bulk upload to the blocklist, read exactly like a contact list (contacts/: streaming,
 * dialect detection, E.164 normalisation on the import worker threads, duplicates within
 * the file removed). The numbers are copied into a temporary table and from there into
 * `blocklist` in one statement, all inside one transaction: a file that fails half-way, or
 * a client that goes away, leaves the blocklist as it was.
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Principal } from '../../auth/principal.js';
import { fileChunks } from '../../contacts/contact-file.js';
import { COPY_UPLOAD, createUploadTable, insertUploaded } from '../../db/blocklist.js';
import { quiet, write } from '../../db/copy-sink.js';
import { splitPieces } from '../../contacts/csv-pieces.js';
import { runImportPipeline, type ImportSink, type PieceProcessor } from '../../contacts/import-pipeline.js';
import type { Pool } from '../../db/sql.js';
import type { Config } from '../../lib/config.js';
import { ValidationError } from '../../lib/errors.js';
import {
  formatOf,
  inImportTransaction,
  readContactFile,
  requireFile,
  unusableFile,
  type UploadedContactFile,
} from '../contact-lists/contact-upload.js';
import { parseImportOptions, type ImportFields } from '../contact-lists/import-options.js';
import type { BlocklistUploadReport } from './blocklist.dto.js';

export type BlocklistUploadFields = Pick<ImportFields, 'phoneColumn' | 'defaultCountry' | 'delimiter' | 'hasHeader'> & {
  readonly note?: string;
};

const MAX_NOTE = 500;

/** The pipeline's contacts (`line phone_e164 name variables`) into the upload's temporary table; invalid lines are only counted. */
class UploadTableSink implements ImportSink {
  private readonly copy: Writable;

  constructor(client: PoolClient) {
    this.copy = quiet(client.query(copyFrom(COPY_UPLOAD)));
  }

  contacts(copyText: string): Promise<void> {
    return write(this.copy, copyText);
  }

  invalid(): Promise<void> {
    return Promise.resolve(); // counted and sampled by the pipeline; not kept
  }

  async finish(): Promise<void> {
    this.copy.end();
    await finished(this.copy);
  }

  close(): void {
    if (!this.copy.writableFinished) this.copy.destroy(new Error('upload abandoned'));
  }
}

export class BlocklistUploadService {
  constructor(
    private readonly pool: Pool,
    private readonly workers: PieceProcessor & { readonly size: number },
    private readonly config: Config['contacts'],
  ) {}

  /** Adds every valid number of `file` to the caller's blocklist (reason `upload`); `signal` aborts it. */
  async upload(
    principal: Principal,
    uploaded: UploadedContactFile | undefined,
    fields: BlocklistUploadFields,
    signal: AbortSignal,
  ): Promise<BlocklistUploadReport> {
    const file = requireFile(uploaded);
    const note = fields.note?.trim() || null;
    if (note && note.length > MAX_NOTE) {
      throw new ValidationError([{ field: 'body.note', message: `at most ${MAX_NOTE} characters` }]);
    }
    const options = parseImportOptions(fields, file.originalname);
    const { dialect, encoding } = await readContactFile(file, options, this.config.maxUploadBytes);
    return inImportTransaction(this.pool, signal, async (client) => {
      await createUploadTable(client);
      const sink = new UploadTableSink(client);
      let counts;
      try {
        counts = await runImportPipeline(splitPieces(fileChunks(file.path, encoding, signal), dialect), {
          dialect,
          defaultCountry: options.defaultCountry,
          workers: this.workers,
          inFlight: 2 * this.workers.size,
          reportInvalidLimit: this.config.reportInvalidLimit,
          sink,
          rowPrefix: '',
          signal,
        });
        await sink.finish();
      } finally {
        sink.close();
      }
      if (counts.totalRows === 0) throw unusableFile('the file holds no data rows');
      const added = await insertUploaded(client, principal.userId, note);
      return {
        totalRows: counts.totalRows,
        added,
        alreadyPresent: counts.imported - added,
        duplicates: counts.duplicates,
        invalid: counts.invalid,
        invalidSample: counts.invalidSample,
        format: formatOf(dialect, encoding),
      };
    });
  }
}
