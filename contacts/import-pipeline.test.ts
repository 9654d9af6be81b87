import { Readable } from 'node:stream';
import type { CountryCode } from 'libphonenumber-js/max';
import { splitPieces } from './csv-pieces';
import { detectDialect } from './dialect';
import { runImportPipeline, type ImportSink, type PieceProcessor } from './import-pipeline';
import { processPiece } from './piece';

/** The real piece processing, answering after a random delay as workers of uneven speed would. */
const unevenWorkers: PieceProcessor = {
  async run(job) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    return processPiece(job);
  },
};

class MemorySink implements ImportSink {
  contactRows: string[][] = [];
  invalidRows: string[][] = [];
  contacts(text: string): Promise<void> {
    this.contactRows.push(...rowsOf(text));
    return Promise.resolve();
  }
  invalid(text: string): Promise<void> {
    this.invalidRows.push(...rowsOf(text));
    return Promise.resolve();
  }
}
const rowsOf = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));

/** Runs the pipeline over `text` cut into chunks of `chunkSize` characters. */
async function run(text: string, options: { country?: CountryCode; limit?: number; chunkSize?: number } = {}) {
  const dialect = detectDialect(text.slice(0, 4096));
  const chunkSize = options.chunkSize ?? 1000;
  const chunks = Array.from({ length: Math.ceil(text.length / chunkSize) }, (_, i) =>
    text.slice(i * chunkSize, (i + 1) * chunkSize),
  );
  const sink = new MemorySink();
  const counts = await runImportPipeline(splitPieces(Readable.from(chunks), dialect), {
    dialect,
    defaultCountry: options.country,
    workers: unevenWorkers,
    inFlight: 4,
    reportInvalidLimit: options.limit ?? 100,
    sink,
    rowPrefix: 'L\t',
  });
  return { counts, sink };
}

describe('runImportPipeline', () => {
  it('imports, dedupes and reports lines in file order across many pieces', async () => {
    const total = 12_000;
    const lines = ['phone;name;city'];
    for (let i = 0; i < total; i += 1) {
      if (i % 100 === 99) lines.push(`junk ${i};X;Y`);
      // from row 5000 to 9999, every 10th row repeats (in national form) the number of the row 5000 earlier
      else if (i % 10 === 9 && i >= 5000 && i < 10000) lines.push(`030 ${2000000 + i - 5000};Dup;Z`);
      else lines.push(`+49 30 ${2000000 + i};Name ${i};City ${i % 7}`);
    }
    const { counts, sink } = await run(`${lines.join('\n')}\n`, { country: 'DE', limit: 5, chunkSize: 20_000 });

    const junk = total / 100;
    const repeats = 500 - 50; // rows 5009, 5019, … 9999 but not the junk rows …99
    expect(counts).toMatchObject({ totalRows: total, invalid: junk, duplicates: repeats });
    expect(counts.imported).toBe(total - junk - repeats);
    expect(sink.contactRows).toHaveLength(counts.imported);

    const contactLines = sink.contactRows.map((r) => Number(r[1]));
    expect(contactLines).toEqual([...contactLines].sort((a, b) => a - b));
    expect(new Set(sink.contactRows.map((r) => r[2])).size).toBe(counts.imported);
    expect(sink.contactRows[0]).toEqual(['L', '2', '+49302000000', 'Name 0', '{"city":"City 0"}']);
    // data row i is on line i + 2
    expect(sink.invalidRows.map((r) => r[1])).toEqual(Array.from({ length: junk }, (_, k) => String(100 * k + 101)));
    expect(counts.invalidSample).toEqual([
      { line: 101, raw: 'junk 99', reason: 'not-a-number' },
      { line: 201, raw: 'junk 199', reason: 'not-a-number' },
      { line: 301, raw: 'junk 299', reason: 'not-a-number' },
      { line: 401, raw: 'junk 399', reason: 'not-a-number' },
      { line: 501, raw: 'junk 499', reason: 'not-a-number' },
    ]);
  });

  it('keeps the first occurrence of a number written in different forms', async () => {
    const { counts, sink } = await run('+49 30 1234567\n0049301234567\n030 1234567\n+49 (0)30 1234567\n', {
      country: 'DE',
      chunkSize: 10,
    });
    expect(counts).toMatchObject({ totalRows: 4, imported: 1, duplicates: 3, invalid: 0 });
    expect(sink.contactRows).toEqual([['L', '1', '+49301234567', '\\N', '{}']]);
  });

  it('dedupes numbers longer than 15 digits too', async () => {
    const { counts } = await run('+49 7158 1067372358\n+4930111111\n+4971581067372358\n+49 7158 1067372359\n');
    expect(counts).toMatchObject({ totalRows: 4, imported: 3, duplicates: 1 });
  });

  it('skips the header even when blank lines fill the first pieces', async () => {
    const { counts, sink } = await run(`${'\n'.repeat(50)}phone,name\n+4930111111,Ann\n`, { chunkSize: 8 });
    expect(counts).toMatchObject({ totalRows: 1, imported: 1 });
    expect(sink.contactRows).toEqual([['L', '52', '+4930111111', 'Ann', '{}']]);
  });
});
