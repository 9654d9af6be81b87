/** HTTP details of the audio routes: list cursors and download file names. */
import type { AudioMessage } from '../../db/entities/index.js';
import { ValidationError } from '../../lib/errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are not UUIDs cannot exist; checking first keeps PostgreSQL from raising a cast error. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** Keyset cursor over (createdAt, id), newest first: opaque to clients. */
export function encodeCursor(audio: Pick<AudioMessage, 'createdAt' | 'id'>): string {
  return Buffer.from(`${audio.createdAt.toISOString()}|${audio.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time ?? '');
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) {
    throw new ValidationError([{ field: 'after', message: 'not a cursor from a previous page' }]);
  }
  return { createdAt, id };
}

/**
 * `attachment` with the name twice (RFC 6266): an ASCII fallback for old clients and the
 * exact UTF-8 name as `filename*`. Quotes, backslashes and control characters never reach
 * the header.
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
