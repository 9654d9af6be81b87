/**
 * Multipart uploads: spooled to disk (never whole in memory: contact lists reach hundreds
 * of megabytes), capped at `uploads.maxBytes` per file while streaming, and deleted when
 * the response ends, whatever happened. Each resource checks its own, lower, limit on
 * `file.size` and answers 413 itself.
 */
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { RequestHandler } from 'express';
import multer, { MulterError, type Multer } from 'multer';
import { AppError } from '../lib/errors.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';

/**
 * A multipart body busboy cannot read (no boundary, cut short, a malformed part header):
 * the client's fault, a 400 naming `body`. Busboy raises plain errors without a `code`;
 * storage errors (ENOSPC, EACCES, …) have one and stay server errors.
 */
export class MalformedMultipartError extends AppError {
  constructor(reason: string) {
    super(400, 'invalid-upload', 'Invalid upload', `The multipart body could not be read: ${reason}.`, [
      { field: 'body', message: 'not a readable multipart/form-data body' },
    ]);
  }
}

function clientFault(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof MulterError || 'code' in err) return err;
  return new MalformedMultipartError(err.message.replace(/^Multipart: /, '').slice(0, 100));
}

/** multer's middlewares, with busboy's parse errors turned into {@link MalformedMultipartError}. */
function withClientFaults(uploader: Multer): Multer {
  const wrap =
    (middleware: RequestHandler): RequestHandler =>
    (req, res, next) =>
      middleware(req, res, (err?: unknown) => next(err === undefined ? undefined : clientFault(err)));
  return {
    single: (name) => wrap(uploader.single(name)),
    array: (name, max) => wrap(uploader.array(name, max)),
    fields: (fields) => wrap(uploader.fields(fields)),
    none: () => wrap(uploader.none()),
    any: () => wrap(uploader.any()),
  };
}

export function createUploader(config: Pick<Config, 'uploads'>): Multer {
  mkdirSync(config.uploads.dir, { recursive: true, mode: 0o700 });
  return withClientFaults(
    multer({
      storage: multer.diskStorage({ destination: config.uploads.dir }),
      // Browsers and curl send file names as raw UTF-8; multer's default reads them as Latin-1.
      defParamCharset: 'utf8',
      limits: { fileSize: config.uploads.maxBytes, files: 1, fields: 50, fieldSize: 64 * 1024 },
    }),
  );
}

function uploadedFiles(files: unknown, file: unknown): Express.Multer.File[] {
  const all: Express.Multer.File[] = file ? [file as Express.Multer.File] : [];
  if (Array.isArray(files)) all.push(...(files as Express.Multer.File[]));
  else if (files && typeof files === 'object') {
    all.push(...Object.values(files as Record<string, Express.Multer.File[]>).flat());
  }
  return all;
}

/** Deletes the request's spooled files once the response is finished or the client went away. */
export function deleteUploadsAfterResponse(logger: Logger): RequestHandler {
  return (req, res, next) => {
    res.once('close', () => {
      for (const file of uploadedFiles(req.files, req.file)) {
        if (!file.path) continue;
        unlink(file.path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') logger.warn({ err, path: file.path }, 'could not delete an uploaded file');
        });
      }
    });
    next();
  };
}
