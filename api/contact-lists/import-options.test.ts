import { fieldsOf } from '../../test/support/field-errors';
import { parseImportOptions } from './import-options';

describe('parseImportOptions', () => {
  it('takes defaults from the file name and treats empty fields as absent', () => {
    expect(parseImportOptions({ name: ' ', delimiter: '', hasHeader: '' }, 'Kunden 2026.csv')).toEqual({
      name: 'Kunden 2026',
      defaultCountry: undefined,
      delimiter: undefined,
      hasHeader: undefined,
      phoneColumn: undefined,
      nameColumn: undefined,
    });
    expect(parseImportOptions({}, '').name).toBe('Contacts');
  });

  it('reads every option', () => {
    expect(
      parseImportOptions(
        {
          name: ' VIP ',
          defaultCountry: 'fr',
          delimiter: 'TAB',
          hasHeader: 'No',
          phoneColumn: ' Tel ',
          nameColumn: '2',
        },
        'x.csv',
      ),
    ).toEqual({
      name: 'VIP',
      defaultCountry: 'FR',
      delimiter: '\t',
      hasHeader: false,
      phoneColumn: 'Tel',
      nameColumn: '2',
    });
  });

  it.each([
    [',', ','],
    ['semicolon', ';'],
    ['\t', '\t'],
    ['|', '|'],
  ])('accepts the delimiter %j', (given, expected) => {
    expect(parseImportOptions({ delimiter: given }, 'x.csv').delimiter).toBe(expected);
  });

  it('names every bad field at once', () => {
    expect(
      fieldsOf(() =>
        parseImportOptions(
          {
            name: 'n'.repeat(201),
            defaultCountry: 'XX',
            delimiter: ':',
            hasHeader: 'maybe',
            phoneColumn: 'p'.repeat(201),
          },
          'x.csv',
        ),
      ),
    ).toEqual(['body.name', 'body.defaultCountry', 'body.delimiter', 'body.hasHeader', 'body.phoneColumn']);
  });
});
