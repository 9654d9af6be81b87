/** HTTP details of the audio routes: list cursors and download file names. */
export { decodeCursor, encodeCursor, isUuid } from '../keyset-cursor.js';

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
