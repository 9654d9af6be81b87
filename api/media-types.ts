/**
 * A request body in a media type its operation does not take is a 415 naming `body`, before
 * any parser or tsoa sees it: a JSON operation sent a form, or an upload sent JSON or no
 * multipart body at all (tsoa's upload handling otherwise fails on the missing files with
 * a 500; an empty multipart request is a 422). A JSON request without a body passes:
 * validation then names what is missing (422).
 */
import type { RequestHandler } from 'express';
import { sendProblem } from './problem-response.js';

export function refuseUndeclaredMediaTypes(
  operations: readonly { pattern: RegExp; method: string; mediaTypes: string[] }[],
): RequestHandler {
  return (req, res, next) => {
    const operation = operations.find((o) => o.method === req.method && o.pattern.test(req.path));
    if (!operation) return next();
    const multipart = operation.mediaTypes.includes('multipart/form-data');
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody && !multipart) return next();
    const sent = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (operation.mediaTypes.includes(sent)) {
      if (sent !== 'multipart/form-data' || hasBody) return next();
      // tsoa's upload handling fails on a multipart request without a body (no files at all).
      return sendProblem(req, res, {
        slug: 'validation-error',
        title: 'Validation failed',
        status: 422,
        detail: 'The request has no body; this operation takes a multipart/form-data upload.',
        errors: [{ field: 'body', message: 'a multipart/form-data body is required' }],
      });
    }
    res.setHeader('Accept', operation.mediaTypes.join(', '));
    sendProblem(req, res, {
      slug: 'unsupported-media-type',
      title: 'Unsupported media type',
      status: 415,
      detail: `This operation takes ${operation.mediaTypes.join(' or ')}${sent ? `, not ${sent}` : ''}.`,
      errors: [{ field: 'body', message: `send ${operation.mediaTypes.join(' or ')}` }],
    });
  };
}
