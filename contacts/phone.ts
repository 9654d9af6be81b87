/**
 * Phone number normalisation to E.164 with libphonenumber-js and its full ("max") metadata,
 * which checks each number against the numbering plan's patterns (the "min" metadata only
 * checks lengths). Pure and synchronous: the importer runs it in worker threads.
 */
import {
  isSupportedCountry,
  ParseError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { installPatternCache, parseNumber } from './libphonenumber-speedup.js';

installPatternCache();

/** Why a value is not a phone number we can dial; stable slugs, shown in the import report. */
export type InvalidReason =
  | 'empty'
  | 'not-a-number'
  | 'missing-country'
  | 'invalid-country'
  | 'too-short'
  | 'too-long'
  | 'invalid-length'
  | 'invalid-number';

/** A normalised number (`+` and digits) or the reason it was refused. */
export type PhoneResult = `+${string}` | InvalidReason;

export const isE164 = (result: PhoneResult): result is `+${string}` => result.charCodeAt(0) === 43; // '+'

/** Upper-cases an ISO 3166-1 alpha-2 code; undefined when libphonenumber has no numbering plan for it. */
export function toCountryCode(value: string): CountryCode | undefined {
  const code = value.trim().toUpperCase();
  return isSupportedCountry(code) ? code : undefined;
}

const LENGTH_REASONS: Record<string, InvalidReason> = {
  TOO_SHORT: 'too-short',
  TOO_LONG: 'too-long',
  INVALID_LENGTH: 'invalid-length',
  NOT_A_NUMBER: 'not-a-number',
  INVALID_COUNTRY: 'invalid-country',
};

function parse(text: string, defaultCountry: CountryCode | undefined): PhoneNumber | InvalidReason {
  try {
    return parseNumber(text, defaultCountry);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    // A national number needs a country to belong to; a '+' number with an unknown code has none.
    if (err.message === 'INVALID_COUNTRY') return text.startsWith('+') ? 'invalid-country' : 'missing-country';
    return LENGTH_REASONS[err.message] ?? 'not-a-number';
  }
}

/** `00` is the international prefix in most of the world: read it as `+` when the country's own rules did not. */
function internationalFrom00(text: string): string | undefined {
  return text.startsWith('00') ? `+${text.slice(2)}` : undefined;
}

/**
 * Normalises one value to E.164. `defaultCountry` applies to numbers written without an
 * international prefix; `+…` (and `00…`) numbers keep their own country.
 */
export function normalisePhone(raw: string, defaultCountry?: CountryCode): PhoneResult {
  const text = raw.trim();
  if (text === '') return 'empty';
  // Junk without a digit is common and would cost libphonenumber an exception each.
  if (!/\p{Nd}/u.test(text)) return 'not-a-number';
  const candidates = defaultCountry ? [text, internationalFrom00(text)] : [internationalFrom00(text) ?? text];
  let first: PhoneNumber | InvalidReason | undefined;
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const parsed = parse(candidate, defaultCountry);
    if (typeof parsed !== 'string' && parsed.isValid()) return parsed.number as `+${string}`;
    first ??= parsed;
  }
  if (typeof first === 'string') return first;
  // Parsed but not valid: say whether the length is wrong or just no such number in the plan.
  const length = validatePhoneNumberLength(candidates[0] ?? text, { defaultCountry });
  return (length && LENGTH_REASONS[length]) || 'invalid-number';
}
