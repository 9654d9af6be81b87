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
import { CopySink } from '../../db/copy-sink.js';
import { fileChunks, type FileEncoding } from '../../contacts/contact-file.js';
import { splitPieces } from '../../contacts/csv-pieces.js';
import type { Dialect } from '../../contacts/dialect.js';
import { runImportPipeline, type ImportCounts, type PieceProcessor } from '../../contacts/import-pipeline.js';
import { insertImportingList, markListImported } from '../../db/contact-lists.js';
import { ContactList } from '../../db/entities/index.js';
import type { PoolClient, Pool } from '../../db/sql.js';
import type { Config } from '../../lib/config.js';
import type { ImportReport } from './contact-lists.dto.js';
import { toContactListView } from './contact-lists.service.js';
import {
  formatOf,
  inImportTransaction,
  readContactFile,
  requireFile,
  unusableFile,
  type UploadedContactFile,
} from './contact-upload.js';
import { parseImportOptions, type ImportFields, type ImportOptions } from './import-options.js';

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
    uploaded: UploadedContactFile | undefined,
    fields: ImportFields,
    signal: AbortSignal,
  ): Promise<ImportReport> {
    const file = requireFile(uploaded);
    const options = parseImportOptions(fields, file.originalname);
    const { dialect, encoding } = await readContactFile(file, options, this.config.maxUploadBytes);
    const { listId, counts } = await inImportTransaction(this.pool, signal, (client) =>
      this.load(client, principal, file.path, options, dialect, encoding, signal),
    );
    const list = await this.em.fork().findOneOrFail(ContactList, { id: listId });
    return { ...toContactListView(list), invalidSample: counts.invalidSample, format: formatOf(dialect, encoding) };
  }

  private async load(
    client: PoolClient,
    principal: Principal,
    path: string,
    options: ImportOptions,
    dialect: Dialect,
    encoding: FileEncoding,
    signal: AbortSignal,
  ): Promise<{ listId: string; counts: ImportCounts }> {
    const listId = randomUUID();
    await insertImportingList(client, {
      id: listId,
      ownerId: principal.userId,
      name: options.name,
      defaultCountry: options.defaultCountry ?? null,
    });
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
      await markListImported(client, listId, counts);
      return { listId, counts };
    } finally {
      await sink.close();
    }
  }
}
