/**
 * The import's database side: contacts stream into `COPY contact FROM STDIN` on the
 * import's own connection, inside its transaction. Invalid lines arrive interleaved with
 * them but one connection runs one COPY at a time, so they are spooled to a temporary file
 * (bounded memory whatever the share of junk) and copied after the contacts.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ImportSink } from '../contacts/import-pipeline.js';

export const COPY_CONTACTS = 'COPY contact (list_id, line, phone_e164, name, variables) FROM STDIN';
export const COPY_INVALID_LINES = 'COPY contact_invalid_line (list_id, line, raw, reason) FROM STDIN';

/** Writes with backpressure; a stream that failed earlier fails the next write. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (stream.errored) throw stream.errored;
  if (!stream.write(text)) await once(stream, 'drain');
}

/** Errors surface through `errored`, `once` and `finished`; without a listener they would crash the process. */
export function quiet<T extends Writable>(stream: T): T {
  stream.on('error', () => undefined);
  return stream;
}

export class CopySink implements ImportSink {
  private readonly contactsCopy: Writable;
  private spool: Writable | undefined;

  /** Starts the contacts COPY on `client`; `spoolPath` is created only if a line is invalid. */
  constructor(
    private readonly client: PoolClient,
    private readonly spoolPath: string,
  ) {
    this.contactsCopy = quiet(client.query(copyFrom(COPY_CONTACTS)));
  }

  contacts(copyText: string): Promise<void> {
    return write(this.contactsCopy, copyText);
  }

  invalid(copyText: string): Promise<void> {
    this.spool ??= quiet(createWriteStream(this.spoolPath, { mode: 0o600 }));
    return write(this.spool, copyText);
  }

  /** Ends the contacts COPY, then copies the spooled invalid lines. */
  async finish(): Promise<void> {
    this.contactsCopy.end();
    await finished(this.contactsCopy);
    if (!this.spool) return;
    this.spool.end();
    await finished(this.spool);
    await pipeline(createReadStream(this.spoolPath), this.client.query(copyFrom(COPY_INVALID_LINES)));
  }

  /** Stops whatever is still running (a COPY is cancelled with CopyFail) and deletes the spool file. */
  async close(): Promise<void> {
    if (!this.contactsCopy.writableFinished) this.contactsCopy.destroy(new Error('import abandoned'));
    this.spool?.destroy();
    if (this.spool) await unlink(this.spoolPath).catch(() => undefined);
  }
}
