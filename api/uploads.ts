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
import { loadOwnerPolicy } from '../db/owner-policy.js';
import type { Pool } from '../db/sql.js';
import { AppError, TooManyRequestsError } from '../lib/errors.js';
import type { PolicyDefaults } from '../campaign/owner-policy.js';
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

/**
 * Uploads in flight per owner in this process (review F13): each holds a request, a socket
 * and a spool file for as long as the client takes to send it, so one tenant with many slow
 * uploads could fill the upload disk and hold the API's sockets. At most the owner's
 * `maxUploadsInFlight` (UPLOADS_MAX_IN_FLIGHT_PER_OWNER, raised per user by an
 * administrator) at once; one more is a 429 with `Retry-After`, before any byte is read.
 * Counted per API process: behind N replicas an owner may have up to N times as many.
 */
export class UploadAdmission {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly deps: { readonly pool: Pool; readonly defaults: PolicyDefaults }) {}

  /** Uploads the owner has in flight here now. */
  count(ownerId: string): number {
    return this.inFlight.get(ownerId) ?? 0;
  }

  /** A slot for the owner's upload, or a {@link TooManyRequestsError}; `release` gives it back (once). */
  async admit(ownerId: string): Promise<() => void> {
    const { maxUploadsInFlight } = await loadOwnerPolicy(this.deps.pool, ownerId, this.deps.defaults);
    // Counted after the policy is read, with no await in between: concurrent uploads cannot pass together.
    const held = this.count(ownerId);
    if (held >= maxUploadsInFlight) {
      throw new TooManyRequestsError(
        5,
        `You have ${held} uploads in progress, as many as allowed (maxUploadsInFlight ${maxUploadsInFlight}); ` +
          'retry when one has finished.',
      );
    }
    this.inFlight.set(ownerId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(ownerId) - 1;
      if (left > 0) this.inFlight.set(ownerId, left);
      else this.inFlight.delete(ownerId);
    };
  }
}

/**
 * multer's middlewares, with busboy's parse errors turned into {@link MalformedMultipartError},
 * each upload admitted first (the route has authenticated the caller by then).
 */
function withClientFaults(uploader: Multer, admission: UploadAdmission | undefined): Multer {
  const wrap =
    (middleware: RequestHandler): RequestHandler =>
    (req, res, next) => {
      const run = () => middleware(req, res, (err?: unknown) => next(err === undefined ? undefined : clientFault(err)));
      if (!admission || !req.user) return run();
      admission.admit(req.user.userId).then((release) => {
        // The slot is held until the response is over, however it ends (sent, failed, client gone).
        if (res.destroyed || req.destroyed) {
          release(); // the client left while its policy was read
          return;
        }
        res.once('close', release);
        run();
      }, next);
    };
  return {
    single: (name) => wrap(uploader.single(name)),
    array: (name, max) => wrap(uploader.array(name, max)),
    fields: (fields) => wrap(uploader.fields(fields)),
    none: () => wrap(uploader.none()),
    any: () => wrap(uploader.any()),
  };
}

export function createUploader(config: Pick<Config, 'uploads'>, admission?: UploadAdmission): Multer {
  mkdirSync(config.uploads.dir, { recursive: true, mode: 0o700 });
  return withClientFaults(
    multer({
      storage: multer.diskStorage({ destination: config.uploads.dir }),
      // Browsers and curl send file names as raw UTF-8; multer's default reads them as Latin-1.
      defParamCharset: 'utf8',
      limits: { fileSize: config.uploads.maxBytes, files: 1, fields: 50, fieldSize: 64 * 1024 },
    }),
    admission,
  );
}

/** Every file multer took for the request, whichever of `single`, `array` or `fields` it used. */
export function uploadedFiles(files: unknown, file: unknown): Express.Multer.File[] {
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
