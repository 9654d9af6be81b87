/**
 * The one error middleware: AppError, tsoa's ValidateError and body-parser failures become
 * application/problem+json; anything else is logged and answered with a generic 500.
 * Submitted values are never echoed back (they may be passwords).
 */
import { ValidateError } from '@tsoa/runtime';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { MulterError } from 'multer';
import { AppError, BusyError, TooManyRequestsError, type FieldError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ProblemDetails } from './problem.js';

export const PROBLEM_TYPE_PREFIX = 'urn:voicecast:problem:';

export function sendProblem(
  req: Request,
  res: Response,
  problem: Omit<ProblemDetails, 'type' | 'instance' | 'requestId'> & { slug: string },
): void {
  const { slug, ...rest } = problem;
  const body: ProblemDetails = {
    type: `${PROBLEM_TYPE_PREFIX}${slug}`,
    ...rest,
    instance: req.originalUrl.split('?')[0] ?? req.originalUrl,
    ...(typeof req.id === 'string' ? { requestId: req.id } : {}),
  };
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(body));
}

function fieldErrors(err: ValidateError): FieldError[] {
  return Object.entries(err.fields).flatMap(
    ([field, { message }]) => innerFieldErrors(field, message) ?? [{ field, message: valueFreeMessage(message) }],
  );
}

const COMBINED = /^Could not match the (union|intersection) against [a-z ]+\. Issues: (.*)$/s;
const ONE_OF = /^should be one of the following; \[(.*)\]$/s;

/**
 * tsoa's message for a value matching no member of a union (e.g. `string | null`) quotes
 * each member's error *with the submitted value* — a password, say. Keeps only the
 * members' messages (enum members merged into one list).
 */
export function valueFreeMessage(message: string): string {
  const combined = COMBINED.exec(message);
  if (!combined) return message;
  let issues: unknown;
  try {
    issues = JSON.parse(combined[2] ?? '');
  } catch {
    return 'invalid value';
  }
  const inner = (Array.isArray(issues) ? issues : [])
    .flatMap((issue) => Object.values((issue ?? {}) as Record<string, { message?: unknown }>))
    .map((error) => (typeof error?.message === 'string' ? valueFreeMessage(error.message) : ''))
    .filter(Boolean);
  const members = inner.map((m) => ONE_OF.exec(m)?.[1]);
  if (inner.length > 0 && members.every((m) => m !== undefined)) {
    return `should be one of the following; [${members.join(', ')}]`;
  }
  const unique = [...new Set(inner)];
  return unique.length > 0 ? unique.join(combined[1] === 'union' ? ' or ' : ' and ') : 'invalid value';
}

/**
 * A nullable object (`X | null`) sent as an object that is wrong inside: tsoa reports the
 * union at the object. Names the inner fields that failed instead (that the object is not
 * null is no news to whoever sent it); undefined when the union has no such member.
 */
export function innerFieldErrors(field: string, message: string): FieldError[] | undefined {
  const combined = COMBINED.exec(message);
  if (combined?.[1] !== 'union') return undefined;
  let issues: unknown;
  try {
    issues = JSON.parse(combined[2] ?? '');
  } catch {
    return undefined;
  }
  for (const issue of Array.isArray(issues) ? issues : []) {
    const entries = Object.entries((issue ?? {}) as Record<string, { message?: unknown }>);
    if (entries.length === 0 || !entries.every(([key]) => key.startsWith(`${field}.`))) continue;
    return entries.map(([key, error]) => ({
      field: key,
      message: typeof error?.message === 'string' ? valueFreeMessage(error.message) : 'invalid value',
    }));
  }
  return undefined;
}

/**
 * A path the API has, asked with a method it does not have: 405 with `Allow` (RFC 9110
 * 15.5.6); OPTIONS: 204 with `Allow`. Mounted before the routes, so Express's own OPTIONS
 * answer (which merges `/blocklist/upload` with `/blocklist/:id`) never runs.
 */
export function methodNotAllowedHandler(paths: readonly { pattern: RegExp; allow: string[] }[]): RequestHandler {
  return (req, res, next) => {
    const path = paths.find((p) => p.pattern.test(req.path));
    if (!path || path.allow.includes(req.method)) return next();
    res.setHeader('Allow', path.allow.join(', '));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    sendProblem(req, res, {
      slug: 'method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: `${req.path} does not take ${req.method}; it takes ${path.allow.join(', ')}.`,
    });
  };
}

export function notFoundHandler(): RequestHandler {
  return (req, res) =>
    sendProblem(req, res, {
      slug: 'not-found',
      title: 'Not found',
      status: 404,
      detail: `No route for ${req.method} ${req.path}.`,
    });
}

function uploadProblem(err: MulterError): Parameters<typeof sendProblem>[2] {
  const field = err.field ? `body.${err.field}` : 'body';
  if (err.code === 'LIMIT_FILE_SIZE') {
    return {
      slug: 'payload-too-large',
      title: 'Payload too large',
      status: 413,
      detail: 'The uploaded file is larger than this server accepts.',
      errors: [{ field, message: 'file too large' }],
    };
  }
  return {
    slug: 'invalid-upload',
    title: 'Invalid upload',
    status: 400,
    detail: `The multipart body was refused: ${err.message}.`,
    errors: [{ field, message: err.message }],
  };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof ValidateError) {
      const errors = fieldErrors(err);
      return sendProblem(req, res, {
        slug: 'validation-error',
        title: 'Validation failed',
        status: 422,
        detail: `Invalid field(s): ${errors.map((e) => e.field).join(', ')}.`,
        errors,
      });
    }
    if (err instanceof AppError) {
      if (!err.expose) logger.error({ err, reqId: req.id }, err.title);
      if (err instanceof TooManyRequestsError || err instanceof BusyError)
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
      return sendProblem(req, res, {
        slug: err.type,
        title: err.title,
        status: err.status,
        ...(err.expose && err.detail ? { detail: err.detail } : {}),
        ...(err.errors ? { errors: [...err.errors] } : {}),
      });
    }
    if (err instanceof MulterError) return sendProblem(req, res, uploadProblem(err));
    const bodyError = err as { type?: string; status?: number };
    if (bodyError.type === 'entity.parse.failed') {
      return sendProblem(req, res, {
        slug: 'invalid-json',
        title: 'Malformed JSON',
        status: 400,
        detail: 'The request body is not valid JSON.',
      });
    }
    if (bodyError.type === 'entity.too.large') {
      return sendProblem(req, res, { slug: 'payload-too-large', title: 'Payload too large', status: 413 });
    }
    if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      return sendProblem(req, res, { slug: 'bad-request', title: 'Bad request', status: bodyError.status });
    }
    logger.error({ err, reqId: req.id }, 'unhandled error');
    return sendProblem(req, res, {
      slug: 'internal-error',
      title: 'Internal server error',
      status: 500,
      detail: 'Something went wrong on our side; the request id helps us find it in the logs.',
    });
  };
}
