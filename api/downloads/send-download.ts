/**
 * Turns a {@link StoredDownload} into the response of a tsoa download operation: 200 or
 * 206 with the range headers, or 416 (a problem whose `Content-Range` gives the size).
 */
import type { Readable } from 'node:stream';
import type { Request as ExpressRequest } from 'express';
import type { Controller } from 'tsoa';
import { AppError } from '../../lib/errors.js';
import { chooseFormat, FORMAT_MEDIA_TYPES, type DownloadFormat } from './format-negotiation.js';
import type { StoredDownload } from './stored-download.js';

export interface DownloadMeta {
  readonly contentType: string;
  /** The whole `Content-Disposition` value (see attachmentDisposition). */
  readonly disposition: string;
}

export function sendDownload(
  controller: Controller,
  req: ExpressRequest,
  download: StoredDownload,
  meta: DownloadMeta,
): Readable {
  // Error responses lose the controller's headers: these go on the response itself.
  req.res?.setHeader('Accept-Ranges', 'bytes');
  if (download.kind === 'unsatisfiable') {
    req.res?.setHeader('Content-Range', `bytes */${download.size}`);
    throw new AppError(416, 'range-not-satisfiable', 'Range not satisfiable', `The file has ${download.size} bytes.`);
  }
  // A storage failure mid-stream must end the response, not leave it hanging half-sent.
  download.stream.once('error', (err) => req.res?.destroy(err));
  controller.setHeader('Content-Type', meta.contentType);
  controller.setHeader('Content-Disposition', meta.disposition);
  controller.setHeader('ETag', download.etag);
  controller.setHeader('Last-Modified', download.lastModified.toUTCString());
  if (download.kind === 'partial') {
    controller.setStatus(206);
    controller.setHeader('Content-Range', `bytes ${download.start}-${download.end}/${download.size}`);
    controller.setHeader('Content-Length', String(download.end - download.start + 1));
  } else {
    controller.setHeader('Content-Length', String(download.size));
  }
  return download.stream;
}

/**
 * The form to send (see chooseFormat); 406 for an `Accept` that takes neither. Sets `Vary:
 * Accept` when the answer depended on it.
 */
export function negotiateFormat(req: ExpressRequest, format: DownloadFormat | undefined): DownloadFormat {
  const accept = req.header('accept');
  if (format === undefined) req.res?.setHeader('Vary', 'Accept');
  const chosen = chooseFormat(format, accept);
  if (chosen === undefined) throw notAcceptable(accept);
  return chosen;
}

function notAcceptable(accept: string | undefined): AppError {
  const offered = Object.values(FORMAT_MEDIA_TYPES).join(' or ');
  const asked = (accept ?? '').slice(0, 200).replace(/[^\x20-\x7e]/g, '?');
  return new AppError(
    406,
    'not-acceptable',
    'Not acceptable',
    `This file is served as ${offered} (or pick one with ?format=); the request's Accept (${asked}) takes neither.`,
  );
}
