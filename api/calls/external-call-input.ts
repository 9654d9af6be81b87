/**
 * An external call as the REST body or the gRPC message gives it, checked all at once so one
 * error names every bad field, and brought to the journal's form. Pure: the ingest service
 * (journal-ingest.service.ts) stores the result.
 */
import { createHash } from 'node:crypto';
import { KNOWN_OUTCOMES, type CallOutcome } from '../../campaign/outcomes.js';
import { isE164, normalisePhone } from '../../contacts/phone.js';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import { parseInstant, type Instant } from './call-query.js';
import { MAX_TAG_LENGTH, MAX_TAGS } from './call-update.js';
import type { AddExternalCallRequest, CallDirection } from './external-call.dto.js';

export const MAX_FIELDS = 50;
export const MAX_FIELD_VALUE = 1024;
export const MAX_FIELDS_BYTES = 8 * 1024;
export const MAX_PARTY_LENGTH = 256;

const DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound', 'internal'];
const SOURCE = /^[A-Za-z0-9._:-]{1,64}$/;
const FIELD_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const EXTENSION = /^[0-9*#]{1,15}$/;
// user@host[:port] with an optional parameter tail; no spaces, quotes or angle brackets.
const SIP_URI = /^sips?:[A-Za-z0-9._~!$&'()*+,;=%-]{1,64}@[A-Za-z0-9.-]{1,253}(?::\d{1,5})?(?:;[A-Za-z0-9._=;-]*)?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
/** Years the journal takes: a PBX clock at the epoch or far ahead is a mistake, not a call. */
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

/** The checked call: what the journal stores. */
export interface ExternalCall {
  readonly source: string;
  readonly externalId: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  /** The far party in E.164, what a search by number compares; '' when it is not a phone number. */
  readonly phoneE164: string;
  readonly startAt: Instant;
  readonly answerAt: Instant | null;
  readonly endAt: Instant;
  readonly outcome: CallOutcome;
  /** Answer to end in ms, for an answered call with an answer time. */
  readonly talkMs: number | null;
  readonly tags: string[];
  readonly private: boolean;
  readonly fields: Record<string, string>;
  /** SHA-256 (hex) of all of the above: the same call sent again has the same digest. */
  readonly digest: string;
}

type Bad = (field: string, message: string) => void;

const isString = (value: unknown): value is string => typeof value === 'string';

function text(value: unknown, field: string, bad: Bad, max: number, pattern?: RegExp): string {
  if (!isString(value) || value.trim() === '') {
    bad(field, 'required, a non-empty string');
    return '';
  }
  const trimmed = value.trim();
  if (trimmed.length > max) bad(field, `at most ${max} characters`);
  else if (CONTROL.test(trimmed)) bad(field, 'no control characters');
  else if (pattern && !pattern.test(trimmed)) bad(field, `must match ${pattern.source}`);
  return trimmed;
}

/**
 * E.164 (normalised; `+…` or `00…`), an extension, a SIP URI or `anonymous`, as given but for
 * E.164's normal form.
 */
function party(value: unknown, field: string, bad: Bad): { text: string; e164: string } {
  const raw = text(value, field, bad, MAX_PARTY_LENGTH);
  if (raw === '') return { text: '', e164: '' };
  // `+` or `00` first: international, even when it would pass for an extension.
  if (/^(\+|00)/.test(raw)) {
    const phone = normalisePhone(raw);
    if (isE164(phone)) return { text: phone, e164: phone };
    bad(field, `not a valid international number (${phone})`);
    return { text: raw, e164: '' };
  }
  if (raw.toLowerCase() === 'anonymous' || EXTENSION.test(raw) || SIP_URI.test(raw)) return { text: raw, e164: '' };
  bad(field, 'an E.164 number (+…), an extension (1–15 of 0-9*#), a sip: URI or anonymous');
  return { text: raw, e164: '' };
}

function instant(value: unknown, field: string, bad: Bad, required: boolean): Instant | null {
  if (value === undefined || value === null || value === '') {
    if (required) bad(field, 'required, an ISO 8601 date-time with a UTC offset');
    return null;
  }
  const parsed = isString(value) && value.length <= 64 ? parseInstant(value) : undefined;
  const year = parsed ? Number(parsed.text.slice(0, 4)) : 0;
  if (!parsed || year < MIN_YEAR || year >= MAX_YEAR) {
    bad(field, `an ISO 8601 date-time with a UTC offset, years ${MIN_YEAR}–${MAX_YEAR - 1}`);
    return null;
  }
  return parsed;
}

function tagList(value: unknown, field: string, bad: Bad): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    bad(field, 'an array of strings');
    return [];
  }
  const tags = value.map((tag, i) => text(tag, `${field}.${i}`, bad, MAX_TAG_LENGTH));
  const unique = [...new Set(tags)];
  if (unique.length > MAX_TAGS) bad(field, `at most ${MAX_TAGS} different tags`);
  return unique;
}

function fieldMap(value: unknown, field: string, bad: Bad): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    bad(field, 'an object of string values');
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_FIELDS) bad(field, `at most ${MAX_FIELDS} fields`);
  let bytes = 0;
  for (const [name, v] of entries) {
    if (!FIELD_NAME.test(name))
      bad(field, `field name ${JSON.stringify(name.slice(0, 64))}: 1–64 of A-Z a-z 0-9 . _ -`);
    else if (!isString(v)) bad(`${field}.${name}`, 'a string');
    else if (v.length > MAX_FIELD_VALUE) bad(`${field}.${name}`, `at most ${MAX_FIELD_VALUE} characters`);
    else if (CONTROL_BUT_TAB.test(v)) bad(`${field}.${name}`, 'no control characters');
    bytes += Buffer.byteLength(name) + (isString(v) ? Buffer.byteLength(v) : 0);
  }
  if (bytes > MAX_FIELDS_BYTES) bad(field, `at most ${MAX_FIELDS_BYTES} bytes of names and values in all`);
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as Record<string, string>;
}

/** The times in order: start ≤ answer ≤ end. */
function checkOrder(start: Instant | null, answer: Instant | null, end: Instant | null, p: string, bad: Bad): void {
  if (start && end && end.micros < start.micros) bad(`${p}endAt`, 'at or after startAt');
  if (answer && start && answer.micros < start.micros) bad(`${p}answerAt`, 'at or after startAt');
  if (answer && end && answer.micros > end.micros) bad(`${p}answerAt`, 'at or before endAt');
}

/**
 * Checks an external call; `prefix` is what field names start with (`body.` for REST, '' for
 * gRPC). Throws a {@link ValidationError} naming each bad field.
 */
export function parseExternalCall(
  input: Partial<Record<keyof AddExternalCallRequest, unknown>>,
  prefix = '',
): ExternalCall {
  const errors: FieldError[] = [];
  const bad: Bad = (field, message) => errors.push({ field, message });
  const p = prefix;
  const source = text(input.source, `${p}source`, bad, 64, SOURCE);
  const externalId = text(input.externalId, `${p}externalId`, bad, 128);
  const direction = input.direction as CallDirection;
  if (!DIRECTIONS.includes(direction)) bad(`${p}direction`, `one of ${DIRECTIONS.join(', ')}`);
  const from = party(input.from, `${p}from`, bad);
  const to = party(input.to, `${p}to`, bad);
  const startAt = instant(input.startAt, `${p}startAt`, bad, true);
  const answerAt = instant(input.answerAt, `${p}answerAt`, bad, false);
  const endAt = instant(input.endAt, `${p}endAt`, bad, true);
  checkOrder(startAt, answerAt, endAt, p, bad);
  const outcome = input.disposition as CallOutcome;
  if (!KNOWN_OUTCOMES.includes(outcome)) bad(`${p}disposition`, `one of ${KNOWN_OUTCOMES.join(', ')}`);
  const tags = tagList(input.tags, `${p}tags`, bad);
  if (input.private !== undefined && input.private !== null && typeof input.private !== 'boolean') {
    bad(`${p}private`, 'a boolean');
  }
  const fields = fieldMap(input.fields, `${p}fields`, bad);
  if (errors.length > 0 || !startAt || !endAt) throw new ValidationError(errors);
  const far = direction === 'inbound' ? from : to;
  const talkMs = outcome === 'answered' && answerAt ? Number((endAt.micros - answerAt.micros) / 1000n) : null;
  const call = {
    source,
    externalId,
    direction,
    from: from.text,
    to: to.text,
    phoneE164: far.e164,
    startAt,
    answerAt,
    endAt,
    outcome,
    talkMs,
    tags,
    private: input.private === true || tags.includes('private'),
    fields,
  };
  return { ...call, digest: digestOf(call) };
}

function digestOf(call: Omit<ExternalCall, 'digest'>): string {
  const canonical = JSON.stringify([
    call.source,
    call.externalId,
    call.direction,
    call.from,
    call.to,
    call.startAt.text,
    call.answerAt?.text ?? null,
    call.endAt.text,
    call.outcome,
    call.tags,
    call.private,
    call.fields,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
