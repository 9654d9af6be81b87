/** The body of `PATCH /api/v1/calls/{id}`, checked all at once. Pure. */
import { ValidationError, type FieldError } from '../../lib/errors.js';
import type { UpdateCallRequest } from './calls.dto.js';

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;

export interface CallUpdate {
  readonly tags?: string[];
  readonly private?: boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Trimmed, without duplicates (first one kept), in the order given. */
function tagList(tags: readonly string[], bad: (field: string, message: string) => void): string[] {
  const unique = [...new Set(tags.map((t) => t.trim()))];
  if (unique.length > MAX_TAGS) bad('body.tags', `at most ${MAX_TAGS} different tags`);
  tags.forEach((tag, i) => {
    const trimmed = tag.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_TAG_LENGTH) {
      bad(`body.tags.${i}`, `1–${MAX_TAG_LENGTH} characters`);
    } else if (CONTROL.test(trimmed)) bad(`body.tags.${i}`, 'no control characters');
  });
  return unique;
}

export function parseCallUpdate(body: UpdateCallRequest): CallUpdate {
  const errors: FieldError[] = [];
  const bad = (field: string, message: string) => errors.push({ field, message });
  const tags = body.tags === undefined ? undefined : tagList(body.tags, bad);
  if (errors.length > 0) throw new ValidationError(errors);
  return { ...(tags ? { tags } : {}), ...(body.private === undefined ? {} : { private: body.private }) };
}
