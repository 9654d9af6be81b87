import { csvField, csvRecord, csvText, parseCsv, spreadsheetSafe, spreadsheetSafeSql } from './csv.js';

describe('csv', () => {
  it('quotes a field only when RFC 4180 needs it, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('lf\nonly')).toBe('"lf\nonly"');
    expect(csvField(42)).toBe('42');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('makes formula-like text inert with a leading quote, and only at the start', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(spreadsheetSafe(`${lead}1+1`)).toBe(`'${lead}1+1`);
    expect(spreadsheetSafe('x=1')).toBe('x=1');
    expect(spreadsheetSafe('')).toBe('');
    expect(csvText('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvText('\r\n=cmd')).toBe(`"'\r\n=cmd"`);
  });

  it('ends records with CRLF', () => {
    expect(csvRecord(['a', csvField('b,c'), ''])).toBe('a,"b,c",\r\n');
  });

  it('parses back what it writes, unicode and line breaks included', () => {
    const rows = [
      ['h1', 'h,2', 'h"3'],
      ['=cmd', 'a\r\nb', 'Zoë 東京 🎉'],
      ['', '', ''],
    ];
    const text = rows.map((r) => csvRecord(r.map((f) => csvField(f)))).join('');
    expect(parseCsv(text)).toEqual(rows);
  });

  it('writes the same rule as SQL', () => {
    expect(spreadsheetSafeSql('raw')).toBe(
      `CASE WHEN left(raw, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || raw ELSE raw END`,
    );
  });
});
