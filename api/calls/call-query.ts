/**
 * The query of `GET /api/v1/calls`, checked all at once so that one 422 names every bad
 * field. Pure: the service turns the result into SQL.
 *
 * Times are kept to the microsecond, as PostgreSQL stores them: a JS Date has only
 * milliseconds, and a cursor rounded to the millisecond would skip or repeat the rows
 * written within that millisecond (rows written with `now()` have microseconds).
 */
import { isE164, normalisePhone, toCountryCode, type InvalidReason } from '../../contacts/phone.js';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import type { AttemptOutcome } from '../../campaign/outcomes.js';
import { isUuid } from '../keyset-cursor.js';

/** An instant as PostgreSQL reads it exactly: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, with its microseconds since the epoch. */
export interface Instant {
  readonly text: string;
  readonly micros: bigint;
}

/** Where the previous page ended: the last row's exact INVITE time (UTC text) and id. */
export interface CallCursor {
  readonly inviteAt: string;
  readonly id: string;
}

export interface CallQueryInput {
  readonly phone?: string;
  readonly defaultCountry?: string;
  readonly from?: string;
  readonly to?: string;
  readonly campaignId?: string;
  readonly outcome?: AttemptOutcome;
  readonly limit?: number;
  readonly after?: string;
}

export interface CallQuery {
  readonly phone?: string;
  /** Inclusive. */
  readonly from?: Instant;
  /** Exclusive. */
  readonly to?: Instant;
  readonly campaignId?: string;
  readonly outcome?: AttemptOutcome;
  readonly limit: number;
  readonly after?: CallCursor;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;
const EXACT_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const pad = (n: bigint | number, width: number) => String(n).padStart(width, '0');

/** The canonical UTC text of an instant given in microseconds since the epoch. */
export function instantFromMicros(micros: bigint): Instant {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const sub = micros - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return { text: `${iso.slice(0, 23)}${pad(sub, 3)}Z`, micros };
}

/**
 * Reads an ISO 8601 date-time with a UTC offset (`Z`, `+02:00`, `+0200`, `+02`); seconds
 * and fractions optional, fractions beyond microseconds cut. Undefined when it is not one
 * (no offset, or an impossible date).
 */
export function parseInstant(text: string): Instant | undefined {
  // A `+` left unencoded in a query string arrives as a space: `…T10:00:00 01:00`.
  const m = ISO.exec(text.trim().replace(/(\d) (\d{2}(?::?\d{2})?)$/, '$1+$2'));
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second);
  const valid =
    year >= 1000 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (!valid || offsetHours > 18 || offsetMinutes > 59) return undefined;
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  const offset = BigInt((offsetHours * 60 + offsetMinutes) * (m[9] === '-' ? -1 : 1)) * 60_000_000n;
  return instantFromMicros(BigInt(date.getTime()) * 1000n + fraction - offset);
}

/** The cursor after a row whose INVITE time PostgreSQL gave as exact UTC text. Opaque to clients. */
export function encodeCallCursor(cursor: CallCursor): string {
  return Buffer.from(`${cursor.inviteAt}|${cursor.id}`).toString('base64url');
}

export function decodeCallCursor(text: string): CallCursor | undefined {
  const [inviteAt, id, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !inviteAt || !id || !EXACT_UTC.test(inviteAt) || !isUuid(id)) return undefined;
  return parseInstant(inviteAt) ? { inviteAt, id } : undefined;
}

const PHONE_MESSAGES: Partial<Record<InvalidReason, string>> = {
  'missing-country': 'a number without an international prefix needs defaultCountry (e.g. DE)',
  'invalid-country': 'no such country calling code',
  'too-short': 'too short for a phone number',
  'too-long': 'too long for a phone number',
};

function phoneFilter(raw: string, country: string | undefined, bad: (field: string, message: string) => void) {
  const defaultCountry = country?.trim() ? toCountryCode(country) : undefined;
  if (country?.trim() && !defaultCountry) {
    bad('defaultCountry', 'not an ISO 3166-1 alpha-2 country code with a known numbering plan (e.g. DE, FR, US)');
    return undefined;
  }
  const result = normalisePhone(raw, defaultCountry);
  if (isE164(result)) return result;
  bad('phone', PHONE_MESSAGES[result] ?? 'not a valid phone number');
  return undefined;
}

/** Checks and normalises the query; a 422 naming every bad field otherwise. */
export function parseCallQuery(input: CallQueryInput): CallQuery {
  const errors: FieldError[] = [];
  const bad = (field: string, message: string) => errors.push({ field, message });
  const phone = input.phone === undefined ? undefined : phoneFilter(input.phone, input.defaultCountry, bad);
  if (input.phone === undefined && input.defaultCountry !== undefined && !toCountryCode(input.defaultCountry)) {
    // Given alone it filters nothing, but it is still a field of the request: a bad one is named.
    bad('defaultCountry', 'not an ISO 3166-1 alpha-2 country code with a known numbering plan (e.g. DE, FR, US)');
  }
  const instant = (field: 'from' | 'to') => {
    const text = input[field];
    if (text === undefined) return undefined;
    const parsed = parseInstant(text);
    if (!parsed) bad(field, 'an ISO 8601 date-time with a UTC offset, e.g. 2026-12-01T09:00:00+01:00');
    return parsed;
  };
  const from = instant('from');
  const to = instant('to');
  if (from && to && from.micros > to.micros) bad('to', 'must not be before from');
  if (input.campaignId !== undefined && !isUuid(input.campaignId)) bad('campaignId', 'not a uuid');
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    bad('limit', `an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const after = input.after === undefined ? undefined : decodeCallCursor(input.after);
  if (input.after !== undefined && !after) bad('after', 'not a cursor from a previous page');
  if (errors.length > 0) throw new ValidationError(errors);
  return { phone, from, to, campaignId: input.campaignId, outcome: input.outcome, limit, after };
}
