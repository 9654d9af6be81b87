/**
 * CSV in two steps, so that parsing can run in worker threads: the reading thread cuts the
 * text stream into pieces of whole rows ({@link splitPieces}: a cheap scan for row ends
 * that honours quoted fields), and a worker parses a piece into rows with their line
 * numbers ({@link parseRows}, papaparse: the fastest parser measured, 0.8 s for 1M rows).
 * Memory holds one chunk and one unfinished row, never the file.
 */
import Papa from 'papaparse';
import type { Dialect } from './dialect.js';

export type RowFormat = Pick<Dialect, 'newline' | 'splitOn'>;

export interface CsvRow {
  /** 1-based line of the file where the row starts (blank lines and the header count). */
  readonly line: number;
  readonly fields: string[];
}

/** Whole rows of the file and the line the first of them starts on. */
export interface Piece {
  readonly text: string;
  readonly firstLine: number;
}

/** A row never needs more than this many characters; beyond it the file is malformed (an unclosed quote). */
export const MAX_ROW_CHARS = 1024 * 1024;

/** The file cannot be read as CSV from `line` on. */
export class CsvFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvFormatError';
  }
}

const QUOTE = 34; // "
const SPACE = 32;

/** The character that counts lines: `\n`, or `\r` in a file of old Mac line endings. */
export const lineBreakOf = (newline: RowFormat['newline']): string => (newline === '\r' ? '\r' : '\n');

export function countOf(text: string, char: string, from = 0, to = text.length): number {
  let count = 0;
  for (let at = text.indexOf(char, from); at >= 0 && at < to; at = text.indexOf(char, at + 1)) count += 1;
  return count;
}

/**
 * Where the last complete row of `text` ends (the index after its line break), `0` when
 * none does. Quotes are read as papaparse reads them: a quote opens a quoted field only at
 * the start of a field, and closes it only before a delimiter, a line break or the end
 * (spaces allowed between); `""` inside is a quote. Undecidable at the end of `text`: the
 * rest waits for the next chunk.
 */
export function lastRowEnd(text: string, format: RowFormat): number {
  const { newline, splitOn } = format;
  if (!text.includes('"')) {
    const at = text.lastIndexOf(newline);
    return at < 0 ? 0 : at + newline.length;
  }
  const delimiter = splitOn.charCodeAt(0);
  const first = newline.charCodeAt(0);
  const isNewlineAt = (i: number) => text.charCodeAt(i) === first && text.startsWith(newline, i);
  let end = 0;
  let fieldStart = true;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE && fieldStart) {
      // Find the closing quote; stop (undecided) at the end of the text.
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        if (j < 0) return end;
        if (text.charCodeAt(j + 1) === QUOTE) {
          j += 2;
          continue;
        }
        let k = j + 1;
        while (text.charCodeAt(k) === SPACE) k += 1;
        if (k >= text.length) return end;
        if (text.charCodeAt(k) === delimiter || isNewlineAt(k)) break;
        j += 1; // a stray quote inside the quoted field: papaparse keeps it as text
      }
      i = j;
      fieldStart = false;
    } else if (c === delimiter) {
      fieldStart = true;
    } else if (isNewlineAt(i)) {
      i += newline.length - 1;
      end = i + 1;
      fieldStart = true;
    } else {
      fieldStart = false;
    }
  }
  return end;
}

/**
 * Cuts a stream of text chunks into pieces of whole rows. Strips a leading byte-order mark
 * and NUL characters (PostgreSQL text cannot hold them). Throws {@link CsvFormatError} when
 * a row grows beyond {@link MAX_ROW_CHARS}.
 */
export async function* splitPieces(chunks: AsyncIterable<string>, format: RowFormat): AsyncGenerator<Piece> {
  const lineBreak = lineBreakOf(format.newline);
  let carry = '';
  let line = 1;
  let first = true;
  for await (let chunk of chunks) {
    if (first && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    first = false;
    if (chunk.includes('\0')) chunk = chunk.replaceAll('\0', '');
    const text = carry + chunk;
    const end = lastRowEnd(text, format);
    carry = text.slice(end);
    if (carry.length > MAX_ROW_CHARS) {
      throw new CsvFormatError(
        line + countOf(text, lineBreak, 0, end),
        'a row longer than 1 MiB (is a quote left open?)',
      );
    }
    if (end === 0) continue;
    const piece = text.slice(0, end);
    yield { text: piece, firstLine: line };
    line += countOf(piece, lineBreak);
  }
  if (carry !== '') yield { text: carry, firstLine: line };
}

interface ParseResult {
  data: string[][];
}

const isBlank = (fields: readonly string[]): boolean => fields.every((f) => f.trim() === '');

/** The non-blank rows of a piece, each with the line it starts on. */
export function parseRows(piece: Piece, format: RowFormat): CsvRow[] {
  const lineBreak = lineBreakOf(format.newline);
  const parser = new Papa.Parser({ delimiter: format.splitOn, newline: format.newline });
  const { data } = parser.parse(piece.text, 0, false) as ParseResult;
  // A quoted field may hold line breaks; they count as lines of the file.
  const quoted = piece.text.includes('"');
  const rows: CsvRow[] = [];
  let line = piece.firstLine;
  for (const fields of data) {
    const start = line;
    line += 1;
    if (quoted) for (const field of fields) line += countOf(field, lineBreak);
    if (!isBlank(fields)) rows.push({ line: start, fields });
  }
  return rows;
}
