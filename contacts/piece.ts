/**
 * What a worker thread does with a piece of the file: parse its rows, normalise each phone
 * number, and format contacts and invalid lines as COPY text. Only the duplicate check is
 * left to the reading thread, which sees the pieces in file order: each contact comes with
 * its number as a key (E.164 digits as a double: 15 digits fit exactly) and where its COPY
 * row ends, so duplicates can be cut out of the text without parsing it again.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { COPY_NULL, copyValue, jsonObjectWriter } from './copy-text.js';
import { parseRows, type Piece, type RowFormat } from './csv-pieces.js';
import type { Column } from './dialect.js';
import { isE164, normalisePhone, type InvalidReason } from './phone.js';

/** The raw value kept for an invalid line is cut to this length. */
export const MAX_RAW_CHARS = 200;

export interface InvalidLine {
  readonly line: number;
  readonly raw: string;
  readonly reason: InvalidReason;
}

/** Everything a worker needs to know about the import (sent with every piece: workers serve all imports). */
export interface PieceJob extends Piece {
  readonly format: RowFormat;
  readonly phone: number;
  readonly name: number | undefined;
  readonly variables: readonly Column[];
  readonly defaultCountry: CountryCode | undefined;
  /** Drop the first non-blank row (the header, when the piece starts the file). */
  readonly skipHeader: boolean;
  /** Prepended to every COPY row (e.g. the list id and a tab). */
  readonly rowPrefix: string;
  /** How many invalid lines to quote in `invalidSample`. */
  readonly sampleLimit: number;
}

export interface PieceResult {
  /** Non-blank data rows. */
  readonly rows: number;
  readonly headerSkipped: boolean;
  /** COPY rows `prefix line phone_e164 name variables`, in file order. */
  readonly contacts: string;
  /** Per contact: the E.164 number without `+` as a double; NaN beyond 15 digits (see `longKeys`). */
  readonly keys: Float64Array<ArrayBuffer>;
  /** Per contact: where its row ends in `contacts`. */
  readonly ends: Uint32Array<ArrayBuffer>;
  /** Numbers longer than 15 digits (a double would round them), by contact index: libphonenumber accepts some (German extensions). */
  readonly longKeys: Record<number, string>;
  /** COPY rows `prefix line raw reason`. */
  readonly invalid: string;
  readonly invalidCount: number;
  readonly invalidSample: InvalidLine[];
}

/** Formats a row's name and variables (`\tname\tjson`). */
function tailFormatter(job: PieceJob): (fields: readonly string[]) => string {
  const { name, variables } = job;
  const toJson = jsonObjectWriter(variables.map((v) => v.name));
  const values: (string | undefined)[] = new Array<string | undefined>(variables.length);
  return (fields) => {
    const nameValue = name === undefined ? undefined : fields[name]?.trim();
    for (let i = 0; i < variables.length; i += 1) values[i] = fields[variables[i].index]?.trim();
    const json = variables.length === 0 ? '{}' : copyValue(toJson(values));
    return `\t${nameValue ? copyValue(nameValue) : COPY_NULL}\t${json}`;
  };
}

export function processPiece(job: PieceJob): PieceResult {
  const rows = parseRows(job, job.format);
  const headerSkipped = job.skipHeader && rows.length > 0;
  const data = headerSkipped ? rows.slice(1) : rows;
  const tail = tailFormatter(job);
  const keys = new Float64Array(data.length);
  const ends = new Uint32Array(data.length);
  const longKeys: Record<number, string> = {};
  const invalidSample: InvalidLine[] = [];
  let contacts = '';
  let invalid = '';
  let count = 0;
  let invalidCount = 0;
  for (const row of data) {
    const raw = row.fields[job.phone] ?? '';
    const result = normalisePhone(raw, job.defaultCountry);
    if (isE164(result)) {
      if (result.length > 16) longKeys[count] = result;
      keys[count] = result.length > 16 ? NaN : Number(result.slice(1));
      contacts += `${job.rowPrefix}${row.line}\t${result}${tail(row.fields)}\n`;
      ends[count] = contacts.length;
      count += 1;
    } else {
      const kept = raw.slice(0, MAX_RAW_CHARS);
      invalidCount += 1;
      if (invalidSample.length < job.sampleLimit) invalidSample.push({ line: row.line, raw: kept, reason: result });
      invalid += `${job.rowPrefix}${row.line}\t${copyValue(kept)}\t${result}\n`;
    }
  }
  return {
    rows: data.length,
    headerSkipped,
    contacts,
    keys: keys.subarray(0, count),
    ends: ends.subarray(0, count),
    longKeys,
    invalid,
    invalidCount,
    invalidSample,
  };
}
