import { processPiece, type PieceJob } from './piece';

const job = (text: string, overrides: Partial<PieceJob> = {}): PieceJob => ({
  text,
  firstLine: 1,
  format: { newline: '\n', splitOn: ';' },
  phone: 1,
  name: 0,
  variables: [{ index: 2, name: 'city' }],
  defaultCountry: 'DE',
  skipHeader: true,
  rowPrefix: 'L\t',
  sampleLimit: 10,
  ...overrides,
});

describe('processPiece', () => {
  it('formats contacts and invalid lines as COPY rows, with keys and row ends', () => {
    const result = processPiece(
      job('name;phone;city\nAnn;030 111111;Berlin\n\nBob;n/a;Paris\nCy;+33 6 12 34 56 78;"Lyon\tSud"\n'),
    );
    expect(result).toMatchObject({ rows: 3, headerSkipped: true, invalidCount: 1, longKeys: {} });
    expect(result.contacts).toBe(
      'L\t2\t+4930111111\tAnn\t{"city":"Berlin"}\nL\t5\t+33612345678\tCy\t{"city":"Lyon\\\\tSud"}\n',
    );
    expect([...result.keys]).toEqual([4930111111, 33612345678]);
    expect([...result.ends]).toEqual([result.contacts.indexOf('\n') + 1, result.contacts.length]);
    expect(result.invalid).toBe('L\t4\tn/a\tnot-a-number\n');
    expect(result.invalidSample).toEqual([{ line: 4, raw: 'n/a', reason: 'not-a-number' }]);
  });

  it('starts counting at the first line of the piece, and skips no header unless told', () => {
    const result = processPiece(job('Ann;+4930111111;x\nBob;12;y\n', { firstLine: 41, skipHeader: false }));
    expect(result).toMatchObject({ rows: 2, headerSkipped: false, invalidCount: 1 });
    expect(result.contacts.startsWith('L\t41\t')).toBe(true);
    expect(result.invalidSample).toEqual([{ line: 42, raw: '12', reason: 'too-short' }]);
  });

  it('quotes at most the sample limit but counts and writes every invalid line; cuts long raw values', () => {
    const long = 'x'.repeat(500);
    const result = processPiece(job(`a;1\nb;2\nc;${long}\n`, { skipHeader: false, sampleLimit: 1 }));
    expect(result.invalidCount).toBe(3);
    expect(result.invalidSample).toHaveLength(1);
    expect(result.invalid.split('\n')[2]).toBe(`L\t3\t${'x'.repeat(200)}\tnot-a-number`);
  });

  it('keeps numbers longer than a double holds exactly as strings', () => {
    const result = processPiece(
      job('+49 7158 1067372358\n+4930111111\n', { phone: 0, name: undefined, variables: [], skipHeader: false }),
    );
    expect([...result.keys].map(String)).toEqual(['NaN', '4930111111']);
    expect(result.longKeys).toEqual({ 0: '+4971581067372358' });
  });

  it('writes NULL for a missing name and {} without variables', () => {
    const result = processPiece(job('+4930111111\n', { phone: 0, name: undefined, variables: [], skipHeader: false }));
    expect(result.contacts).toBe('L\t1\t+4930111111\t\\N\t{}\n');
  });
});
