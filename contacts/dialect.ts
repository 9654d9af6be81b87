/**
 * How to read an uploaded contact file, decided from its first lines: line ending,
 * delimiter (`,` `;` tab `|`, or none for one number per line), whether the first row is a
 * header, which column holds the phone number (from a header such as `phone`, `Telefon`,
 * `mobile`, `msisdn`… or else from the values), an optional name column, and every other
 * column kept as a variable. What the caller states wins over what is guessed.
 */
import Papa from 'papaparse';

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
/** Preference when two delimiters fit the sample equally well: commas also occur inside names. */
const DELIMITER_PREFERENCE: readonly Delimiter[] = ['\t', ';', '|', ','];
const SAMPLE_ROWS = 50;

export interface DialectOptions {
  readonly delimiter?: Delimiter;
  readonly hasHeader?: boolean;
  /** A header name (case-insensitive) or a 1-based column number. */
  readonly phoneColumn?: string;
  /** A header name (case-insensitive) or a 1-based column number. */
  readonly nameColumn?: string;
}

export interface Column {
  /** 0-based position in a row. */
  readonly index: number;
  /** The header's name, or `column<n>` (1-based) without a header. */
  readonly name: string;
}

export interface Dialect {
  readonly newline: '\n' | '\r\n' | '\r';
  /** `undefined`: one value per line. */
  readonly delimiter: Delimiter | undefined;
  /** What rows are split on: the delimiter, or a character absent from the sample for one value per line. */
  readonly splitOn: string;
  readonly hasHeader: boolean;
  readonly columns: readonly Column[];
  readonly phone: Column;
  readonly name: Column | undefined;
  /** Columns kept as the contact's variables (all but phone and name). */
  readonly variables: readonly Column[];
}

/** An option or the file itself does not allow an import; `field` names the option (or `file`). */
export class DialectError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'DialectError';
  }
}

/** Lower-case letters and digits only, accents removed: `Téléphone N°` → `telephonen`. */
export const normaliseHeader = (value: string): string =>
  value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Header names that mean "phone number" (normalised), in several languages. */
const PHONE_HEADERS = new Set([
  'phone',
  'phones',
  'phonenumber',
  'phoneno',
  'phonenr',
  'telephone',
  'telephonenumber',
  'tel',
  'telno',
  'telnr',
  'number',
  'numbers',
  'mobile',
  'mobilenumber',
  'mobilephone',
  'cell',
  'cellphone',
  'cellular',
  'msisdn',
  'gsm',
  'e164',
  'contactnumber',
  'telefon',
  'telefonnummer',
  'rufnummer',
  'handy',
  'handynummer',
  'mobil',
  'mobilnummer',
  'nummer',
  'numero',
  'numerodetelephone',
  'portable',
  'telefono',
  'numerodetelefono',
  'celular',
  'movil',
  'telefone',
  'cellulare',
  'telefoon',
  'telefoonnummer',
  'mobiel',
  'puhelin',
  'telefonu',
]);
/** Parts that mark a phone header inside a longer name (`Mobile phone`, `Telefon privat`); not `number` (`order number`). */
const PHONE_HEADER_PARTS = ['phone', 'telef', 'teleph', 'mobil', 'msisdn', 'rufnummer', 'handy', 'celular'];
const NAME_HEADERS = new Set([
  'name',
  'fullname',
  'contact',
  'contactname',
  'displayname',
  'nom',
  'nomcomplet',
  'nombre',
  'nombrecompleto',
  'nome',
  'naam',
  'navn',
  'namn',
  'nimi',
  'vollername',
]);

/** Looks like a phone number: at least five digits and only the punctuation numbers are written with. */
export function looksLikePhone(value: string): boolean {
  const text = value.trim();
  if (!/^(\+|00)?[\p{Nd}\s().\-/]+$/u.test(text)) return false;
  let digits = 0;
  for (const char of text) if (/\p{Nd}/u.test(char)) digits += 1;
  return digits >= 5;
}

export function guessNewline(sample: string): Dialect['newline'] {
  const lf = sample.indexOf('\n');
  if (lf > 0 && sample[lf - 1] === '\r') return '\r\n';
  if (lf < 0 && sample.includes('\r')) return '\r';
  return '\n';
}

function parseSample(sample: string, newline: Dialect['newline'], delimiter: string): string[][] {
  // No `preview`: it would count blank lines too.
  return Papa.parse<string[]>(sample, { delimiter, newline, skipEmptyLines: 'greedy' }).data.slice(0, SAMPLE_ROWS);
}

/**
 * The delimiter that splits the sample rows into the same number (> 1) of fields most
 * consistently; `undefined` when none does (one value per line).
 */
export function guessDelimiter(sample: string, newline: Dialect['newline']): Delimiter | undefined {
  let best: { delimiter: Delimiter; share: number; fields: number } | undefined;
  for (const delimiter of DELIMITER_PREFERENCE) {
    if (!sample.includes(delimiter)) continue;
    const rows = parseSample(sample, newline, delimiter);
    const counts = new Map<number, number>();
    for (const row of rows) counts.set(row.length, (counts.get(row.length) ?? 0) + 1);
    const [fields, rowsWithMode] = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] ?? [0, 0];
    const share = rowsWithMode / Math.max(rows.length, 1);
    if (fields < 2 || share < 0.9) continue;
    if (!best || share > best.share || (share === best.share && fields > best.fields)) {
      best = { delimiter, share, fields };
    }
  }
  return best?.delimiter;
}

/** A value that names a column rather than being data, for header detection. */
function isColumnReference(cell: string, ref: string | undefined): boolean {
  return ref !== undefined && !/^\d+$/.test(ref.trim()) && cell.trim().toLowerCase() === ref.trim().toLowerCase();
}

/**
 * A header when the first row names a requested column or a phone column, or (with several
 * columns) holds no phone-like value while the rows below do.
 */
export function guessHeader(rows: readonly string[][], options: DialectOptions): boolean {
  const [first, ...rest] = rows;
  if (!first) return false;
  if (first.some((c) => isColumnReference(c, options.phoneColumn) || isColumnReference(c, options.nameColumn))) {
    return true;
  }
  if (first.some((c) => PHONE_HEADERS.has(normaliseHeader(c)))) return true;
  if (first.length < 2) return false; // a lone first value that is junk is data to report, not a header
  return !first.some(looksLikePhone) && rest.some((row) => row.some(looksLikePhone));
}

function columnsOf(rows: readonly string[][], hasHeader: boolean): Column[] {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const header = hasHeader ? (rows[0] ?? []) : [];
  const seen = new Set<string>();
  return Array.from({ length: width }, (_, index) => {
    const base = header[index]?.trim() || `column${index + 1}`;
    let name = base;
    for (let n = 2; seen.has(name.toLowerCase()); n += 1) name = `${base}_${n}`;
    seen.add(name.toLowerCase());
    return { index, name };
  });
}

function resolveColumn(ref: string, columns: readonly Column[], hasHeader: boolean, field: string): Column {
  const wanted = ref.trim().toLowerCase();
  const byName = hasHeader ? columns.find((c) => c.name.toLowerCase() === wanted) : undefined;
  if (byName) return byName;
  const position = /^\d+$/.test(wanted) ? Number(wanted) : NaN;
  const byPosition = columns[position - 1];
  if (byPosition) return byPosition;
  throw new DialectError(
    field,
    hasHeader
      ? `no column "${ref}"; the header has: ${columns.map((c) => c.name).join(', ')}`
      : `no column "${ref}": the file has no header, give a column number from 1 to ${columns.length}`,
  );
}

function phoneColumnByHeader(columns: readonly Column[]): Column | undefined {
  return (
    columns.find((c) => PHONE_HEADERS.has(normaliseHeader(c.name))) ??
    columns.find((c) => PHONE_HEADER_PARTS.some((part) => normaliseHeader(c.name).includes(part)))
  );
}

/** The column whose sample values look like phone numbers most often (at least half of them). */
function phoneColumnByValues(columns: readonly Column[], dataRows: readonly string[][]): Column | undefined {
  let best: { column: Column; hits: number } | undefined;
  for (const column of columns) {
    const hits = dataRows.filter((row) => looksLikePhone(row[column.index] ?? '')).length;
    if (hits * 2 >= dataRows.length && hits > 0 && (!best || hits > best.hits)) best = { column, hits };
  }
  return best?.column;
}

function detectPhoneColumn(columns: readonly Column[], dataRows: readonly string[][], hasHeader: boolean): Column {
  const found =
    (hasHeader ? phoneColumnByHeader(columns) : undefined) ??
    phoneColumnByValues(columns, dataRows) ??
    (columns.length === 1 ? columns[0] : undefined);
  if (found) return found;
  throw new DialectError(
    'phoneColumn',
    hasHeader
      ? `no phone number column found; the header has: ${columns.map((c) => c.name).join(', ')}. Name it with phoneColumn`
      : `no phone number column found among ${columns.length} columns (no header); give its number with phoneColumn`,
  );
}

/**
 * Decides how to read the file from `sample` (its first lines, whole lines only).
 * Throws {@link DialectError} for options that do not fit the file or a file without data.
 */
export function detectDialect(sample: string, options: DialectOptions = {}): Dialect {
  const newline = guessNewline(sample);
  const delimiter = options.delimiter ?? guessDelimiter(sample, newline);
  // One value per line: a delimiter that does not occur keeps each line whole.
  const splitOn = delimiter ?? DELIMITER_PREFERENCE.find((d) => !sample.includes(d)) ?? '\t';
  const rows = parseSample(sample, newline, splitOn);
  if (rows.length === 0) throw new DialectError('file', 'the file holds no rows');
  const hasHeader = options.hasHeader ?? guessHeader(rows, options);
  const columns = columnsOf(rows, hasHeader);
  const dataRows = hasHeader ? rows.slice(1) : rows;
  const phone = options.phoneColumn
    ? resolveColumn(options.phoneColumn, columns, hasHeader, 'phoneColumn')
    : detectPhoneColumn(columns, dataRows, hasHeader);
  const name = options.nameColumn
    ? resolveColumn(options.nameColumn, columns, hasHeader, 'nameColumn')
    : hasHeader
      ? columns.find((c) => c !== phone && NAME_HEADERS.has(normaliseHeader(c.name)))
      : undefined;
  if (name?.index === phone.index) throw new DialectError('nameColumn', 'the name column is the phone column');
  const variables = columns.filter((c) => c.index !== phone.index && c.index !== name?.index);
  return { newline, delimiter, splitOn, hasHeader, columns, phone, name, variables };
}
