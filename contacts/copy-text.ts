/**
 * PostgreSQL `COPY … FROM STDIN` text format: columns separated by tabs, rows by newlines,
 * `\N` for NULL, and backslash, tab, newline and carriage return escaped in values.
 */
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export const COPY_NULL = '\\N';

/** One value escaped for the text format (the common case, nothing to escape, allocates nothing). */
export function copyValue(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : value;
}

/**
 * A function that writes an object of string values as JSON, with the keys encoded once
 * (it runs for every imported contact).
 */
export function jsonObjectWriter(keys: readonly string[]): (values: readonly (string | undefined)[]) => string {
  const prefixes = keys.map((key) => `${JSON.stringify(key)}:`);
  return (values) => {
    let json = '';
    for (let i = 0; i < prefixes.length; i += 1) {
      const value = values[i];
      if (value !== undefined) json += `${json === '' ? '' : ','}${prefixes[i]}${JSON.stringify(value)}`;
    }
    return `{${json}}`;
  };
}
