/**
 * Reading an uploaded contact file from disk: a sample of its first lines for
 * {@link detectDialect}, then the whole file as a stream of text chunks. UTF-8 is expected;
 * a sample that is not valid UTF-8 means a legacy single-byte export (Excel's "CSV" on
 * Windows), read as Latin-1 so that names keep their accents instead of turning into U+FFFD.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** Bytes read for detection; whole lines of it are used. */
export const SAMPLE_BYTES = 64 * 1024;
const CHUNK_BYTES = 256 * 1024;

export type FileEncoding = 'utf8' | 'latin1';

export interface FileSample {
  /** Whole lines from the start of the file (all of it when it is shorter than the sample). */
  readonly text: string;
  readonly encoding: FileEncoding;
}

export async function readSample(path: string): Promise<FileSample> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    let bytes = buffer.subarray(0, bytesRead);
    if (bytesRead === SAMPLE_BYTES) {
      // Cut after the last line break so no line (or UTF-8 sequence) is cut in two.
      const end = Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d));
      if (end > 0) bytes = bytes.subarray(0, end + 1);
    }
    const encoding: FileEncoding = isUtf8(bytes) ? 'utf8' : 'latin1';
    return { text: bytes.toString(encoding), encoding };
  } finally {
    await handle.close();
  }
}

/** The file as text chunks (multi-byte characters never split between chunks). */
export function fileChunks(path: string, encoding: FileEncoding, signal?: AbortSignal): AsyncIterable<string> {
  return createReadStream(path, { encoding, highWaterMark: CHUNK_BYTES, signal }) as AsyncIterable<string>;
}
