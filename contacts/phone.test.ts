import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { cachedPatternCount, installPatternCache, parseNumber, parsesDirectly } from './libphonenumber-speedup';
import { normalisePhone, toCountryCode } from './phone';

describe('normalisePhone', () => {
  it.each([
    ['+49 30 1234567', undefined, '+49301234567'],
    ['+49 (0)30 1234567', undefined, '+49301234567'],
    ['+33 6 12 34 56 78', 'DE', '+33612345678'],
    ['+1 (212) 555-0123', undefined, '+12125550123'],
    ['+49-30-1234567 ext. 5', undefined, '+49301234567'],
    ['  +41 44 668 18 00  ', undefined, '+41446681800'],
  ] as const)('keeps the country of an international number: %s', (raw, country, expected) => {
    expect(normalisePhone(raw, country)).toBe(expected);
  });

  it.each([
    ['030 1234567', 'DE', '+49301234567'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['(212) 555-0123', 'US', '+12125550123'],
    ['07911 123456', 'GB', '+447911123456'],
    ['０３０ １２３４５６７', 'DE', '+49301234567'],
  ] as const)('applies the default country to a national number: %s (%s)', (raw, country, expected) => {
    expect(normalisePhone(raw, country)).toBe(expected);
  });

  it.each([
    ['0049 30 1234567', undefined],
    ['0049 30 1234567', 'DE'],
    // The US international prefix is 011; 00 is still read as international when 011 fails.
    ['0049 30 1234567', 'US'],
    ['0049-30-1234567', 'FR'],
  ] as const)('reads the 00 prefix as international: %s (%s)', (raw, country) => {
    expect(normalisePhone(raw, country)).toBe('+49301234567');
  });

  it.each([
    ['', 'DE', 'empty'],
    ['   ', undefined, 'empty'],
    ['n/a', 'DE', 'not-a-number'],
    ['call me', undefined, 'not-a-number'],
    ['tel:+4930123456', undefined, 'not-a-number'],
    ['030 1234567', undefined, 'missing-country'],
    ['+999 1234567', undefined, 'invalid-country'],
    ['12', 'DE', 'too-short'],
    ['+4930', undefined, 'too-short'],
    ['+49 30 12345678901234', undefined, 'too-long'],
    // A French mobile written nationally is no number in the United Kingdom's plan.
    ['06 12 34 56 78', 'GB', 'invalid-number'],
    ['+1 999 555 0123', undefined, 'invalid-number'],
  ] as const)('refuses %j (%s) as %s', (raw, country, reason) => {
    expect(normalisePhone(raw, country)).toBe(reason);
  });

  it('validates against the full metadata, not lengths only', () => {
    // A possible German length, but no such number range: the "min" metadata calls it valid.
    expect(normalisePhone('+49 1000 1234567')).toBe('invalid-number');
  });
});

describe('toCountryCode', () => {
  it('accepts ISO 3166-1 alpha-2 codes in any case', () => {
    expect(toCountryCode('de')).toBe('DE');
    expect(toCountryCode(' Fr ')).toBe('FR');
  });

  it('refuses unknown codes', () => {
    expect(toCountryCode('XX')).toBeUndefined();
    expect(toCountryCode('DEU')).toBeUndefined();
    expect(toCountryCode('')).toBeUndefined();
  });
});

describe('pattern cache', () => {
  it('is installed in libphonenumber-js and used by parsing', () => {
    expect(installPatternCache()).toBe(true);
    const before = cachedPatternCount();
    expect(normalisePhone('+81 3-1234-5678')).toBe('+81312345678');
    expect(cachedPatternCount()).toBeGreaterThan(before);
  });
});

describe('the direct parser', () => {
  it('answers as the public parsePhoneNumberWithError does', () => {
    expect(parsesDirectly).toBe(true);
    const outcome = (parse: () => { number: string; isValid(): boolean }) => {
      try {
        const n = parse();
        return `${n.number} ${n.isValid()}`;
      } catch (err) {
        return (err as Error).message;
      }
    };
    for (const country of [undefined, 'DE', 'US', 'GB'] as const) {
      for (const text of ['+49 30 1234567', '030 1234567', '0049 30 1234567', '12', 'x', '+999 1', '(212) 555-0123']) {
        expect(outcome(() => parseNumber(text, country))).toBe(
          outcome(() => parsePhoneNumberWithError(text, { defaultCountry: country, extract: false })),
        );
      }
    }
  });
});
