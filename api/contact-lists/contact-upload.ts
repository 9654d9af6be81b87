/**
 * What every import of an uploaded contact file starts and ends with (contact lists, and
 * the blocklist's bulk upload): the file's size and dialect checked into problem responses,
 * and one transaction on a dedicated connection that commits only once the whole file went
 * through, so a bad file, a server error or a client that goes away leaves nothing behind.
 */
import { readSample, type FileEncoding } from '../../contacts/contact-file.js';
import { CsvFormatError } from '../../contacts/csv-pieces.js';
import { detectDialect, DialectError, type Dialect, type DialectOptions } from '../../contacts/dialect.js';
import { inUntimedTransaction, type Pool, type PoolClient } from '../../db/sql.js';
import { PayloadTooLargeError, UnprocessableError, ValidationError } from '../../lib/errors.js';
import type { ImportFormat } from './contact-lists.dto.js';

export interface UploadedContactFile {
  readonly path: string;
  readonly size: number;
  readonly originalname: string;
}

export const unusableFile = (detail: string) =>
  new UnprocessableError('invalid-contact-file', 'Unusable contact file', detail, [
    { field: 'body.file', message: detail },
  ]);

/** tsoa passes a missing file through as undefined rather than refusing it. */
export function requireFile(file: UploadedContactFile | undefined): UploadedContactFile {
  if (!file) throw new ValidationError([{ field: 'body.file', message: 'a file is required' }]);
  return file;
}

/** Checks the file's size and detects its dialect; 413 or 422 problems naming the field otherwise. */
export async function readContactFile(
  file: UploadedContactFile,
  options: DialectOptions,
  maxBytes: number,
): Promise<{ dialect: Dialect; encoding: FileEncoding }> {
  if (file.size > maxBytes) {
    throw new PayloadTooLargeError(`Contact files may have at most ${maxBytes} bytes.`, [
      { field: 'body.file', message: 'file too large' },
    ]);
  }
  if (file.size === 0) throw unusableFile('the file is empty');
  const sample = await readSample(file.path);
  try {
    return { dialect: detectDialect(sample.text, options), encoding: sample.encoding };
  } catch (err) {
    if (!(err instanceof DialectError)) throw err;
    if (err.field === 'file') throw unusableFile(err.message);
    throw new ValidationError([{ field: `body.${err.field}`, message: err.message }]);
  }
}

/** How the file was read, for the import's report. */
export function formatOf(dialect: Dialect, encoding: FileEncoding): ImportFormat {
  return {
    delimiter: dialect.delimiter ?? null,
    hasHeader: dialect.hasHeader,
    encoding,
    phoneColumn: dialect.phone.name,
    nameColumn: dialect.name?.name ?? null,
    variables: dialect.variables.map((v) => v.name),
  };
}

/**
 * Runs `work` in a transaction on a connection of its own, without the pool's timeouts
 * (db/sql.ts), and commits; on any failure rolls back, maps a malformed file to 422 and a
 * client that went away (`signal`) to its reason.
 */
export async function inImportTransaction<T>(
  pool: Pool,
  signal: AbortSignal,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  try {
    return await inUntimedTransaction(pool, async (client) => {
      const result = await work(client);
      signal.throwIfAborted();
      return result;
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof CsvFormatError) throw unusableFile(err.message);
    throw err;
  }
}
