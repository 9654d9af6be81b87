import { detectDialect, DialectError, guessDelimiter, guessNewline, looksLikePhone, normaliseHeader } from './dialect';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function dialectError(sample: string, options: Parameters<typeof detectDialect>[1] = {}): DialectError {
  try {
    detectDialect(sample, options);
  } catch (err) {
    if (err instanceof DialectError) return err;
    throw err;
  }
  throw new Error('expected a DialectError');
}

describe('delimiter detection', () => {
  it.each([
    [',', lines('name,phone,city', 'Ann,+4930111,Berlin', 'Bob,+4930222,Hamburg')],
    [';', lines('name;phone;city', 'Doe, Ann;+4930111;Berlin', 'Roe, Bob;+4930222;Hamburg')],
    ['\t', lines('name\tphone', 'Ann\t+4930111', 'Bob\t+4930222')],
    ['|', lines('name|phone', 'Ann|+4930111', 'Bob|+4930222')],
    [',', lines('phone,name', '"+49 30 111","Doe; Ann"', '"+49 30 222","Roe; Bob"')],
  ])('finds %j', (expected, sample) => {
    expect(guessDelimiter(sample, '\n')).toBe(expected);
  });

  it('finds none in a plain list of numbers', () => {
    expect(guessDelimiter(lines('+49 30 111', '+49 30 222', '030/333'), '\n')).toBeUndefined();
  });

  it('ignores a delimiter that does not split rows consistently', () => {
    expect(guessDelimiter(lines('+49 30 111', '+49 30 222, ext 5', '+49 30 333', '+49 30 444'), '\n')).toBeUndefined();
  });
});

describe('line endings', () => {
  it.each([
    ['a\r\nb\r\n', '\r\n'],
    ['a\nb\n', '\n'],
    ['a\rb\r', '\r'],
    ['a', '\n'],
  ] as const)('%j → %j', (sample, expected) => {
    expect(guessNewline(sample)).toBe(expected);
  });
});

describe('header and columns', () => {
  it('detects a header, the phone and name columns, and keeps the rest as variables', () => {
    const d = detectDialect(lines('Name;Telefon;Stadt;Kunde Nr', 'Ann;030 111;Berlin;7', 'Bob;030 222;Hamburg;8'));
    expect(d).toMatchObject({ delimiter: ';', hasHeader: true });
    expect(d.phone).toEqual({ index: 1, name: 'Telefon' });
    expect(d.name).toEqual({ index: 0, name: 'Name' });
    expect(d.variables.map((v) => v.name)).toEqual(['Stadt', 'Kunde Nr']);
  });

  it.each([
    'phone',
    'Phone Number',
    'TEL',
    'mobile',
    'MSISDN',
    'Handynummer',
    'Téléphone',
    'número',
    'Mobile phone (work)',
  ])('knows %j as a phone header', (header) => {
    const d = detectDialect(lines(`id,${header},note`, '1,+4930111,x', '2,+4930222,y'));
    expect(d.hasHeader).toBe(true);
    expect(d.phone.index).toBe(1);
  });

  it('does not take "order number" for the phone column', () => {
    const d = detectDialect(lines('order number,contact phone', '12345678,+4930111', '12345679,+4930222'));
    expect(d.phone.name).toBe('contact phone');
  });

  it('finds the phone column by its values when the header does not name it', () => {
    const d = detectDialect(lines('who,where,reach', 'Ann,Berlin,+49 30 111', 'Bob,Hamburg,+49 40 222'));
    expect(d.hasHeader).toBe(true);
    expect(d.phone).toEqual({ index: 2, name: 'reach' });
    expect(d.name).toBeUndefined();
  });

  it('reads a file without header, naming columns by position', () => {
    const d = detectDialect(lines('Ann,+4930111,Berlin', 'Bob,+4930222,Hamburg'));
    expect(d.hasHeader).toBe(false);
    expect(d.phone).toEqual({ index: 1, name: 'column2' });
    expect(d.variables.map((v) => v.name)).toEqual(['column1', 'column3']);
  });

  it('reads a plain list as one column without header, even when its first line is junk', () => {
    const d = detectDialect(lines('n/a', '+49 30 111', '030 222'));
    expect(d).toMatchObject({ delimiter: undefined, hasHeader: false, variables: [] });
    expect(d.phone.index).toBe(0);
  });

  it('takes a one-column header when it names phones', () => {
    expect(detectDialect(lines('Numbers', '+49 30 111')).hasHeader).toBe(true);
  });

  it('names duplicate and empty header cells apart', () => {
    const d = detectDialect(lines('phone,city,city,', '+4930111,a,b,c'));
    expect(d.variables.map((v) => v.name)).toEqual(['city', 'city_2', 'column4']);
  });

  it('follows the given options', () => {
    const sample = lines('a|b|c', '+4930111|Ann|x');
    const d = detectDialect(sample, { delimiter: '|', hasHeader: true, phoneColumn: 'A', nameColumn: '2' });
    expect(d.phone).toEqual({ index: 0, name: 'a' });
    expect(d.name).toEqual({ index: 1, name: 'b' });
    expect(detectDialect(sample, { delimiter: '|', hasHeader: false, phoneColumn: '1' }).hasHeader).toBe(false);
  });

  it('takes a row naming the requested phone column as the header', () => {
    expect(detectDialect(lines('kontakt,wer', '+4930111,Ann'), { phoneColumn: 'Kontakt' }).hasHeader).toBe(true);
  });
});

describe('refusals', () => {
  it('names the headers it saw when no phone column is found', () => {
    const err = dialectError(lines('first,last,city', 'Ann,Lee,Berlin', 'Bob,Roe,Hamburg'), { hasHeader: true });
    expect(err.field).toBe('phoneColumn');
    expect(err.message).toContain('first, last, city');
  });

  it('refuses an unknown column name, listing the header', () => {
    const err = dialectError(lines('phone,name', '+4930111,Ann'), { nameColumn: 'surname' });
    expect(err.field).toBe('nameColumn');
    expect(err.message).toContain('phone, name');
  });

  it('refuses a column number beyond the row', () => {
    expect(dialectError(lines('+4930111,Ann'), { phoneColumn: '3' }).field).toBe('phoneColumn');
  });

  it('refuses the same column for phone and name', () => {
    expect(dialectError(lines('phone,name', '+4930111,Ann'), { nameColumn: 'phone' }).field).toBe('nameColumn');
  });

  it('refuses a sample without rows', () => {
    expect(dialectError('\n\n  \n').field).toBe('file');
  });
});

describe('helpers', () => {
  it('normalises headers', () => {
    expect(normaliseHeader(' Téléphone N° ')).toBe('telephonen');
  });

  it.each([
    ['+49 30 1234567', true],
    ['0049 (30) 123-45', true],
    ['030/12345', true],
    ['1234', false],
    ['Berlin', false],
    ['12345 Berlin', false],
  ])('%j looks like a phone: %s', (value, expected) => {
    expect(looksLikePhone(value)).toBe(expected);
  });
});
