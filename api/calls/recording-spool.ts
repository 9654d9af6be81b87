/**
 * An uploaded recording spooled to a local file while it arrives (REST body or gRPC chunks),
 * never whole in memory, refused as soon as it passes the size limit. The file is checked
 * and hashed before it goes to object storage, then deleted whatever happened.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { PayloadTooLargeError } from '../../lib/errors.js';
import type { SpooledRecording } from './journal-ingest.service.js';

export class RecordingSpool {
  readonly path: string;
  private readonly out: WriteStream;
  private bytes = 0;

  constructor(
    dir: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, `recording-${randomUUID()}.wav`);
    this.out = createWriteStream(this.path, { mode: 0o600 });
  }

  /** Appends a chunk, waiting when the disk is behind; a {@link PayloadTooLargeError} past the limit. */
  async write(chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) throw tooLarge(this.maxBytes);
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  /** Everything written and flushed. */
  async finish(): Promise<SpooledRecording> {
    this.out.end();
    await once(this.out, 'finish');
    return { path: this.path, size: this.bytes };
  }

  /** Deletes the file (idempotent). */
  async discard(): Promise<void> {
    this.out.destroy();
    await unlink(this.path).catch(() => undefined);
  }
}

export function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`A recording may have at most ${maxBytes} bytes.`);
}

/** Spools a request body (any async iterable of chunks), then runs `use` on the file and deletes it. */
export async function withSpooledBody<T>(
  body: AsyncIterable<Uint8Array>,
  dir: string,
  maxBytes: number,
  use: (file: SpooledRecording) => Promise<T>,
): Promise<T> {
  const spool = new RecordingSpool(dir, maxBytes);
  try {
    for await (const chunk of body) await spool.write(chunk);
    return await use(await spool.finish());
  } finally {
    await spool.discard();
  }
}
