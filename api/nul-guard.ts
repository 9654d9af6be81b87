/**
 * A NUL character in a JSON string is valid JSON but cannot be stored in PostgreSQL text
 * (the insert fails: a 500) and has no business in any field we keep. Refused for every
 * JSON body before routing: a 422 naming the first field that holds one (tsoa's dotted
 * path, `$n` for array items), never the value.
 */
import type { RequestHandler } from 'express';
import { ValidationError } from '../lib/errors.js';

/** The dotted path of the first string in `value` that contains U+0000, if any. */
export function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulPath(item, `${path}.$${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\u0000') ? `${path}.?` : nulPath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

export function refuseNulInJson(): RequestHandler {
  return (req, _res, next) => {
    const field = nulPath(req.body, 'body');
    if (field === undefined) return next();
    next(new ValidationError([{ field, message: 'must not contain NUL characters' }], `Invalid field(s): ${field}.`));
  };
}
