import { Readable } from 'node:stream';
import Papa from 'papaparse';
import {
  CsvFormatError,
  lastRowEnd,
  MAX_ROW_CHARS,
  parseRows,
  splitPieces,
  type CsvRow,
  type RowFormat,
} from './csv-pieces';

function chunksOf(text: string, size: number): AsyncIterable<string> {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  return Readable.from(chunks);
}

async function rows(text: string, size = 7, newline: RowFormat['newline'] = '\n', splitOn = ','): Promise<CsvRow[]> {
  const all: CsvRow[] = [];
  for await (const piece of splitPieces(chunksOf(text, size), { newline, splitOn })) {
    all.push(...parseRows(piece, { newline, splitOn }));
  }
  return all;
}

describe('pieces of whole rows', () => {
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
    const expected = [
      { line: 1, fields: ['a', 'two\nlines'] },
      { line: 3, fields: ['b', 'three\r\nlines\r\nhere'] },
      { line: 6, fields: ['c', 'x'] },
    ];
    for (const size of [1, 5, 100]) expect(await rows(text, size, '\r\n')).toEqual(expected);
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

  it('cuts where papaparse reads row ends, also around stray and unbalanced quotes', async () => {
    const text = [
      'name;phone;note',
      'Ann;"+49 30 111";"says ""hi"""',
      'Bob;+49 30 222;5" screen',
      'Cy;"+49 30 333"  ;"multi',
      'line; with ; delimiters"',
      'Di;+49 30 444;"quote "inside" quoted"',
      'Ed;+49 30 555;"ends here" ',
      'Flo;+49 30 666;x',
    ].join('\n');
    const whole = Papa.parse<string[]>(text, { delimiter: ';', newline: '\n' }).data;
    for (const size of [1, 2, 5, 13, 64, 4096]) {
      expect((await rows(text, size, '\n', ';')).map((r) => r.fields)).toEqual(whole);
    }
  });

  it('finds the last row end', () => {
    const format: RowFormat = { newline: '\n', splitOn: ',' };
    expect(lastRowEnd('a,b\nc,d\ne', format)).toBe(8);
    expect(lastRowEnd('a,"b\nc",d\ne,"f\ng', format)).toBe(10);
    expect(lastRowEnd('a,"b\nc', format)).toBe(0);
    expect(lastRowEnd('a,"b"', format)).toBe(0); // is the quote closed? only the next chunk tells
    expect(lastRowEnd('x\r\na,"b\r\n"\r\n', { newline: '\r\n', splitOn: ',' })).toBe(12);
  });

  it('gives up on a quote left open instead of holding the rest of the file', async () => {
    const text = `a,ok\nb,"open\n${'x,y\n'.repeat(MAX_ROW_CHARS / 4 + 10)}`;
    await expect(rows(text, 64 * 1024)).rejects.toThrow(CsvFormatError);
    await expect(rows(text, 64 * 1024)).rejects.toThrow(/^line 2: /);
  });
});
