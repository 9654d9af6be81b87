import type { Readable } from 'node:stream';
import type { Request as ExpressRequest } from 'express';
import type { Controller } from 'tsoa';
import { clientGoneSignal } from './client-gone.js';

/** A streamed CSV: its name for `Content-Disposition` (made of safe characters only) and its body. */
export interface CsvDownloadBody {
  readonly fileName: string;
  readonly csv: Readable;
}

/**
 * Sends a streamed CSV download (tsoa pipes the returned stream into the response, with its
 * backpressure). Once headers are sent a failure can no longer become a problem response:
 * the connection is cut, so the client sees a broken download, not a short one. A client
 * that leaves destroys the stream, which stops its queries.
 */
export function csvDownload(req: ExpressRequest, controller: Controller, download: CsvDownloadBody): Readable {
  const { csv, fileName } = download;
  csv.once('error', () => req.res?.destroy());
  const gone = clientGoneSignal(req);
  if (gone.aborted) csv.destroy();
  else gone.addEventListener('abort', () => csv.destroy(), { once: true });
  controller.setHeader('Content-Type', 'text/csv; charset=utf-8');
  controller.setHeader('Content-Disposition', `attachment; filename="${fileName.replace(/[^\w.-]+/g, '_')}"`);
  controller.setHeader('Cache-Control', 'no-store');
  return csv;
}
