/**
 * A stored file sent whole or by one byte range (api/calls/byte-range.ts), with what HTTP
 * caches and download managers use: size, ETag and Last-Modified of the object in MinIO.
 */
import type { Readable } from 'node:stream';
import type { Storage } from '../../lib/storage.js';
import { decideRange } from '../calls/byte-range.js';

interface Validators {
  readonly size: number;
  /** The object's ETag, quoted as HTTP writes it. */
  readonly etag: string;
  readonly lastModified: Date;
}

/** What to send: the whole file, one byte range of it, or the size when the range cannot be served. */
export type StoredDownload =
  | ({ readonly kind: 'full'; readonly stream: Readable } & Validators)
  | ({ readonly kind: 'partial'; readonly stream: Readable; readonly start: number; readonly end: number } & Validators)
  | { readonly kind: 'unsatisfiable'; readonly size: number };

/**
 * Opens `key` for the part `range` (an HTTP Range header) asks for. Storage errors are
 * thrown as MinIO raises them (the caller knows what a missing object means).
 */
export async function openStored(
  storage: Storage,
  bucket: string,
  key: string,
  range: string | undefined,
): Promise<StoredDownload> {
  const stat = await storage.statObject(bucket, key);
  const validators = { size: stat.size, etag: `"${stat.etag}"`, lastModified: stat.lastModified };
  const decision = decideRange(range, stat.size);
  if (decision.kind === 'unsatisfiable') return { kind: 'unsatisfiable', size: stat.size };
  if (decision.kind === 'full') return { kind: 'full', stream: await storage.getObject(bucket, key), ...validators };
  const { start, end } = decision;
  const stream = await storage.getPartialObject(bucket, key, start, end - start + 1);
  return { kind: 'partial', stream, start, end, ...validators };
}

/** True when MinIO says the object (or its bucket) is not there. */
export function isMissingObject(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchBucket';
}
