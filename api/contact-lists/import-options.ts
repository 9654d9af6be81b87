/**
 * The form fields of a contact list upload, checked all at once so that one 422 names every
 * bad field. Multipart fields are strings; empty ones count as not given.
 */
import { basename, extname } from 'node:path';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Delimiter, DialectOptions } from '../../contacts/dialect.js';
import { toCountryCode } from '../../contacts/phone.js';
import { ValidationError, type FieldError } from '../../lib/errors.js';

export interface ImportFields {
  readonly name?: string;
  readonly phoneColumn?: string;
  readonly nameColumn?: string;
  readonly defaultCountry?: string;
  readonly delimiter?: string;
  readonly hasHeader?: string;
}

export interface ImportOptions extends DialectOptions {
  readonly name: string;
  readonly defaultCountry: CountryCode | undefined;
}

const DELIMITER_NAMES: Record<string, Delimiter> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\t': '\t',
  '\\t': '\t',
  tab: '\t',
  '|': '|',
  pipe: '|',
};
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };
const MAX_NAME = 200;

const given = (value: string | undefined): string | undefined => (value?.trim() ? value : undefined);

/** The list's name when none is given: the file name without its extension. */
function nameFromFile(originalName: string): string {
  const base = basename(originalName, extname(originalName)).trim();
  return (base || 'Contacts').slice(0, MAX_NAME);
}

export function parseImportOptions(fields: ImportFields, originalName: string): ImportOptions {
  const errors: FieldError[] = [];
  const bad = (field: keyof ImportFields, message: string) => errors.push({ field: `body.${field}`, message });

  const name = given(fields.name)?.trim() ?? nameFromFile(originalName);
  if (name.length > MAX_NAME) bad('name', `at most ${MAX_NAME} characters`);

  const country = given(fields.defaultCountry);
  const defaultCountry = country === undefined ? undefined : toCountryCode(country);
  if (country !== undefined && !defaultCountry) {
    bad('defaultCountry', 'not an ISO 3166-1 alpha-2 country code with a known numbering plan (e.g. DE, FR, US)');
  }

  const delimiterText = fields.delimiter || undefined; // not trimmed: a tab is whitespace
  const delimiter =
    delimiterText === undefined
      ? undefined
      : (DELIMITER_NAMES[delimiterText] ?? DELIMITER_NAMES[delimiterText.trim().toLowerCase()]);
  if (delimiterText !== undefined && !delimiter) bad('delimiter', 'one of: , ; | tab');

  const headerText = given(fields.hasHeader);
  const hasHeader = headerText === undefined ? undefined : BOOLEANS[headerText.trim().toLowerCase()];
  if (headerText !== undefined && hasHeader === undefined) bad('hasHeader', 'true or false');

  const phoneColumn = given(fields.phoneColumn)?.trim();
  const nameColumn = given(fields.nameColumn)?.trim();
  for (const [field, value] of [
    ['phoneColumn', phoneColumn],
    ['nameColumn', nameColumn],
  ] as const) {
    if (value && value.length > MAX_NAME) bad(field, `at most ${MAX_NAME} characters`);
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return { name, defaultCountry, delimiter, hasHeader, phoneColumn, nameColumn };
}
