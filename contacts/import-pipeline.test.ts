import { Readable } from 'node:stream';
import type { CountryCode } from 'libphonenumber-js/max';
import { csvRows, type CsvRow } from './csv-rows';
import { detectDialect } from './dialect';
import { BATCH_ROWS, runImportPipeline, type ImportSink } from './import-pipeline';
import { normalisePhone, type PhoneResult } from './phone';
import type { PhoneNormaliser } from './phone-pool';

/** Real normalisation, answering after a random delay as workers of uneven speed would. */
const unevenWorkers: PhoneNormaliser = {
  async normalise(values: readonly string[], country: CountryCode | undefined): Promise<PhoneResult[]> {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    return values.map((v) => normalisePhone(v, country));
  },
};

class MemorySink implements ImportSink {
  contactRows: string[][] = [];
  invalidRows: string[][] = [];
  contacts(text: string): Promise<void> {
    this.contactRows.push(
      ...text
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t')),
    );
    return Promise.resolve();
  }
  invalid(text: string): Promise<void> {
    this.invalidRows.push(
      ...text
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t')),
    );
    return Promise.resolve();
  }
}

async function run(text: string, defaultCountry?: CountryCode, reportInvalidLimit = 100) {
  const dialect = detectDialect(text.slice(0, 4096));
  const sink = new MemorySink();
  const rows: AsyncIterable<CsvRow[]> = csvRows(Readable.from([text]), dialect);
  const counts = await runImportPipeline(rows, {
    dialect,
    defaultCountry,
    phones: unevenWorkers,
    inFlight: 4,
    reportInvalidLimit,
    sink,
    rowPrefix: 'L\t',
  });
  return { counts, sink };
}

describe('runImportPipeline', () => {
  it('imports, dedupes and reports lines in file order across many batches', async () => {
    const total = BATCH_ROWS * 3 + 17;
    const lines = ['phone;name;city'];
    for (let i = 0; i < total; i += 1) {
      if (i % 100 === 99) lines.push(`junk ${i};X;Y`);
      // from row 5000 to 9999, every 10th row repeats (in national form) the number of the row 5000 earlier
      else if (i % 10 === 9 && i >= 5000 && i < 10000) lines.push(`030 ${2000000 + i - 5000};Dup;Z`);
      else lines.push(`+49 30 ${2000000 + i};Name ${i};City ${i % 7}`);
    }
    const { counts, sink } = await run(`${lines.join('\n')}\n`, 'DE', 5);

    const junk = Math.floor((total + 1) / 100);
    const repeats = 500 - 50; // rows 5009, 5019, … 9999 but not the junk rows …99
    expect(counts).toMatchObject({ totalRows: total, invalid: junk, duplicates: repeats });
    expect(counts.imported).toBe(total - junk - repeats);
    expect(sink.contactRows).toHaveLength(counts.imported);

    const contactLines = sink.contactRows.map((r) => Number(r[1]));
    expect(contactLines).toEqual([...contactLines].sort((a, b) => a - b));
    expect(new Set(sink.contactRows.map((r) => r[2])).size).toBe(counts.imported);
    expect(sink.contactRows[0]).toEqual(['L', '2', '+49302000000', 'Name 0', '{"city":"City 0"}']);
    expect(sink.invalidRows.map((r) => r[1])).toEqual(
      Array.from({ length: junk }, (_, k) => String(100 * k + 99 + 2)), // data row i is on line i + 2
    );
    expect(counts.invalidSample).toEqual([
      { line: 101, raw: 'junk 99', reason: 'not-a-number' },
      { line: 201, raw: 'junk 199', reason: 'not-a-number' },
      { line: 301, raw: 'junk 299', reason: 'not-a-number' },
      { line: 401, raw: 'junk 399', reason: 'not-a-number' },
      { line: 501, raw: 'junk 499', reason: 'not-a-number' },
    ]);
  });

  it('keeps the first occurrence of a number written in different forms', async () => {
    const { counts, sink } = await run('+49 30 1234567\n0049301234567\n030 1234567\n+49 (0)30 1234567\n', 'DE');
    expect(counts).toMatchObject({ totalRows: 4, imported: 1, duplicates: 3, invalid: 0 });
    expect(sink.contactRows).toEqual([['L', '1', '+49301234567', '\\N', '{}']]);
  });

  it('escapes names and variables for COPY and writes the invalid raw value', async () => {
    const { sink } = await run('phone,name,note\n+4930111,"Ann\tLee","back\\slash"\n"bad\tvalue",Bob,x\n');
    expect(sink.contactRows[0]).toEqual(['L', '2', '+4930111', 'Ann\\tLee', '{"note":"back\\\\\\\\slash"}']);
    expect(sink.invalidRows[0]).toEqual(['L', '3', 'bad\\tvalue', 'not-a-number']);
  });
});
