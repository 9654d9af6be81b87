/**
 * Contact list import, all or nothing: the list row, its contacts (COPY) and its invalid
 * lines (COPY) are written in one transaction on a dedicated connection, committed only
 * once the whole file went through. A bad file, a server error or the client going away
 * rolls everything back, so no half list is ever visible.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../auth/principal.js';
import { CopySink } from '../../contacts/copy-sink.js';
import { fileChunks, readSample, type FileEncoding } from '../../contacts/contact-file.js';
import { CsvFormatError, splitPieces } from '../../contacts/csv-pieces.js';
import { detectDialect, DialectError, type Dialect } from '../../contacts/dialect.js';
import { runImportPipeline, type ImportCounts, type PieceProcessor } from '../../contacts/import-pipeline.js';
import { ContactList } from '../../db/entities/index.js';
import type { PoolClient, Pool } from '../../db/sql.js';
import type { Config } from '../../lib/config.js';
import { PayloadTooLargeError, UnprocessableError, ValidationError } from '../../lib/errors.js';
import type { ContactListView, ImportFormat, ImportReport } from './contact-lists.dto.js';
import { toContactListView } from './contact-lists.service.js';
import { parseImportOptions, type ImportFields, type ImportOptions } from './import-options.js';

export interface UploadedContactFile {
  readonly path: string;
  readonly size: number;
  readonly originalname: string;
}

const unusableFile = (detail: string) =>
  new UnprocessableError('invalid-contact-file', 'Unusable contact file', detail, [
    { field: 'body.file', message: detail },
  ]);

function formatOf(dialect: Dialect, encoding: FileEncoding): ImportFormat {
  return {
    delimiter: dialect.delimiter ?? null,
    hasHeader: dialect.hasHeader,
    encoding,
    phoneColumn: dialect.phone.name,
    nameColumn: dialect.name?.name ?? null,
    variables: dialect.variables.map((v) => v.name),
  };
}

export class ContactImportService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
    private readonly workers: PieceProcessor & { readonly size: number },
    private readonly config: Config['contacts'],
    /** Where invalid lines are spooled during an import (the upload directory). */
    private readonly spoolDir: string,
  ) {}

  /** Imports `file` as a new list of the caller's; `signal` aborts it (and rolls it back). */
  async import(
    principal: Principal,
    file: UploadedContactFile | undefined,
    fields: ImportFields,
    signal: AbortSignal,
  ): Promise<ImportReport> {
    // tsoa passes no file through as undefined rather than refusing it.
    if (!file) throw new ValidationError([{ field: 'body.file', message: 'a file is required' }]);
    const options = parseImportOptions(fields, file.originalname);
    if (file.size > this.config.maxUploadBytes) {
      throw new PayloadTooLargeError(`Contact files may have at most ${this.config.maxUploadBytes} bytes.`, [
        { field: 'body.file', message: 'file too large' },
      ]);
    }
    if (file.size === 0) throw unusableFile('the file is empty');
    const sample = await readSample(file.path);
    let dialect: Dialect;
    try {
      dialect = detectDialect(sample.text, options);
    } catch (err) {
      if (!(err instanceof DialectError)) throw err;
      if (err.field === 'file') throw unusableFile(err.message);
      throw new ValidationError([{ field: `body.${err.field}`, message: err.message }]);
    }
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const { list, counts } = await this.load(client, principal, file.path, options, dialect, sample.encoding, signal);
      return { ...list, invalidSample: counts.invalidSample, format: formatOf(dialect, sample.encoding) };
    } catch (err) {
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: Error) => rollbackError,
      );
      if (signal.aborted) throw signal.reason;
      if (err instanceof CsvFormatError) throw unusableFile(err.message);
      throw err;
    } finally {
      // A connection that could not roll back is closed rather than reused.
      client.release(broken);
    }
  }

  private async load(
    client: PoolClient,
    principal: Principal,
    path: string,
    options: ImportOptions,
    dialect: Dialect,
    encoding: FileEncoding,
    signal: AbortSignal,
  ): Promise<{ list: ContactListView; counts: ImportCounts }> {
    const listId = randomUUID();
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO contact_list (id, owner_id, name, status, default_country, created_at)
       VALUES ($1, $2, $3, 'importing', $4, now())`,
      [listId, principal.userId, options.name, options.defaultCountry ?? null],
    );
    const sink = new CopySink(client, join(this.spoolDir, `contact-import-${listId}.invalid`));
    try {
      const counts = await runImportPipeline(splitPieces(fileChunks(path, encoding, signal), dialect), {
        dialect,
        defaultCountry: options.defaultCountry,
        workers: this.workers,
        inFlight: 2 * this.workers.size,
        reportInvalidLimit: this.config.reportInvalidLimit,
        sink,
        rowPrefix: `${listId}\t`,
        signal,
      });
      if (counts.totalRows === 0) throw unusableFile('the file holds no data rows');
      await sink.finish();
      signal.throwIfAborted();
      await client.query(
        `UPDATE contact_list SET status = 'ready', total_rows = $2, imported = $3, duplicates = $4, invalid = $5
         WHERE id = $1`,
        [listId, counts.totalRows, counts.imported, counts.duplicates, counts.invalid],
      );
      await client.query('COMMIT');
      const list = await this.em.fork().findOneOrFail(ContactList, { id: listId });
      return { list: toContactListView(list), counts };
    } finally {
      await sink.close();
    }
  }
}
