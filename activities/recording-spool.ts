/**
 * The recording spool: a directory on the worker's disk (RECORDING_SPOOL_DIR) where a
 * recorded call's WAV is written, and fsynced, before anything else happens to it. It stays
 * there until it is in object storage (recording-outbox.ts), so neither a storage outage nor
 * a worker that dies after the hang-up loses it.
 *
 * A spool has an id, kept in the file `spool-id` inside it and made on first use: the upload
 * outbox names the spool each recording waits in, so a worker uploads only what its own disk
 * holds, and a worker restarted on the same directory (same id) resumes the uploads of its
 * predecessor. Several worker processes may share one directory.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A recording written to the spool: what its outbox row needs. */
export interface SpooledRecording {
  readonly spoolId: string;
  /** The file's name in the spool directory. */
  readonly spoolFile: string;
  /** The object key it gets in the recordings bucket. */
  readonly key: string;
  readonly bytes: number;
}

const ID_FILE = 'spool-id';

export class RecordingSpool {
  private constructor(
    readonly dir: string,
    readonly id: string,
  ) {}

  /** Opens (creates) the spool directory and reads (or makes) its id. */
  static async open(dir: string): Promise<RecordingSpool> {
    await mkdir(dir, { recursive: true });
    return new RecordingSpool(dir, await spoolId(dir));
  }

  /** The file a recording of object key `key` is spooled in: one file per key, so a rewrite replaces it. */
  fileFor(key: string): string {
    return key.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  /**
   * Writes the recording under its final name only once all of it is on disk: written to a
   * temporary file, fsynced, renamed, and the directory fsynced, so that neither a crash nor
   * a power cut leaves a truncated recording under the final name.
   */
  async write(key: string, wav: Uint8Array): Promise<SpooledRecording> {
    const spoolFile = this.fileFor(key);
    const temporary = join(this.dir, `.${spoolFile}.${randomUUID()}.tmp`);
    try {
      await withFile(temporary, 'wx', async (file) => {
        await file.writeFile(wav);
        await file.sync();
      });
      await rename(temporary, join(this.dir, spoolFile));
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    await syncDirectory(this.dir);
    return { spoolId: this.id, spoolFile, key, bytes: wav.byteLength };
  }

  /** Opens a spooled recording for reading; undefined when the file is not there (any more). */
  async openFile(spoolFile: string): Promise<FileHandle | undefined> {
    try {
      return await open(join(this.dir, spoolFile), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Deletes a spooled recording (stored, or never journalled); a file already gone is fine. */
  async remove(spoolFile: string): Promise<void> {
    try {
      await unlink(join(this.dir, spoolFile));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

async function withFile<T>(path: string, flags: string, use: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(path, flags, 0o600);
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}

/** Makes a rename or a new file in `dir` durable. */
async function syncDirectory(dir: string): Promise<void> {
  await withFile(dir, 'r', (d) => d.sync());
}

/**
 * The spool's id: read from `spool-id`, or made and linked into place atomically (two
 * processes starting on one new directory agree on the id that won the link).
 */
async function spoolId(dir: string): Promise<string> {
  const path = join(dir, ID_FILE);
  const existing = await readId(path);
  if (existing) return existing;
  const temporary = join(dir, `.${ID_FILE}.${randomUUID()}.tmp`);
  await withFile(temporary, 'wx', async (file) => {
    await file.writeFile(`${randomUUID()}\n`);
    await file.sync();
  });
  try {
    await link(temporary, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(temporary, { force: true });
  }
  await syncDirectory(dir);
  const id = await readId(path);
  if (!id) throw new Error(`${path} is empty or unreadable; delete it only if the spool holds no recordings`);
  return id;
}

async function readId(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
