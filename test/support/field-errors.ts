/** For unit tests of validators: the fields a ValidationError names. */
import { ValidationError } from '../../lib/errors';

/** Runs `fn`, which must throw a ValidationError; returns the fields it names, in order. */
export function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return (err.errors ?? []).map((e) => e.field);
    throw err;
  }
  throw new Error('expected a ValidationError');
}
