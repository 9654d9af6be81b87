import { Readable } from 'node:stream';
import { CsvFormatError, csvRows, MAX_ROW_CHARS, type CsvRow } from './csv-rows';

function chunksOf(text: string, size: number): AsyncIterable<string> {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  return Readable.from(chunks);
}

async function rows(text: string, size = 7, newline: '\n' | '\r\n' | '\r' = '\n', splitOn = ','): Promise<CsvRow[]> {
  const all: CsvRow[] = [];
  for await (const chunk of csvRows(chunksOf(text, size), { newline, splitOn })) all.push(...chunk);
  return all;
}

describe('csvRows', () => {
  it('yields rows with the line where each starts, whatever the chunk size', async () => {
    const text = 'phone,name\n+4930111,Ann\n\n+4930222,"Bob ""B"" Roe"\n,\n+4930333,Cy';
    const expected = [
      { line: 1, fields: ['phone', 'name'] },
      { line: 2, fields: ['+4930111', 'Ann'] },
      { line: 4, fields: ['+4930222', 'Bob "B" Roe'] },
      { line: 6, fields: ['+4930333', 'Cy'] },
    ];
    for (const size of [1, 3, 7, 1000]) expect(await rows(text, size)).toEqual(expected);
  });

  it('counts the line breaks inside quoted fields', async () => {
    const text = 'a,"two\nlines"\r\nb,"three\r\nlines\r\nhere"\r\nc,x\r\n';
    expect(await rows(text, 5, '\r\n')).toEqual([
      { line: 1, fields: ['a', 'two\nlines'] },
      { line: 3, fields: ['b', 'three\r\nlines\r\nhere'] },
      { line: 6, fields: ['c', 'x'] },
    ]);
  });

  it('reads old Mac line endings', async () => {
    expect(await rows('1,a\r2,b\r', 3, '\r')).toEqual([
      { line: 1, fields: ['1', 'a'] },
      { line: 2, fields: ['2', 'b'] },
    ]);
  });

  it('strips a byte-order mark and NUL characters', async () => {
    expect(await rows('\uFEFFphone\n+49\u000030111\n', 4)).toEqual([
      { line: 1, fields: ['phone'] },
      { line: 2, fields: ['+4930111'] },
    ]);
  });

  it('keeps each line whole when split on a character that does not occur', async () => {
    expect(await rows('+49 30 111, ext 5\n030 222\n', 4, '\n', '\t')).toEqual([
      { line: 1, fields: ['+49 30 111, ext 5'] },
      { line: 2, fields: ['030 222'] },
    ]);
  });

  it('gives up on a quote left open instead of holding the rest of the file', async () => {
    const text = `a,ok\nb,"open\n${'x,y\n'.repeat(MAX_ROW_CHARS / 4 + 10)}`;
    await expect(rows(text, 64 * 1024)).rejects.toThrow(CsvFormatError);
    await expect(rows(text, 64 * 1024)).rejects.toThrow(/^line 2: /);
  });
});
