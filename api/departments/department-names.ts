/** Department names as the API takes them, and the name cursor of its lists. Pure. */
import { ValidationError } from '../../lib/errors.js';

/** Control and format characters (CR, LF, NUL, bidi overrides, zero-width, line separators). */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Why `name` is not a department name, or undefined when it is one. */
export function departmentNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 200) return 'must be 1 to 200 characters';
  if (UNPRINTABLE.test(name)) return 'must not contain control or format characters (CR, LF, NUL, …)';
  if (name.trim() !== name || name.trim().length === 0) return 'must not start or end with white space';
  return undefined;
}

/** The opaque cursor after `name` (a department's or a member's username). */
export const nameCursor = (name: string): string => Buffer.from(name).toString('base64url');

/** The name a cursor carries; anything not made by {@link nameCursor} is a 422 naming `after`. */
export function decodeNameCursor(cursor: string): string {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  if (name.length === 0 || name.length > 200 || UNPRINTABLE.test(name) || nameCursor(name) !== cursor) {
    throw new ValidationError([{ field: 'after', message: 'not a cursor from a previous page' }]);
  }
  return name;
}
