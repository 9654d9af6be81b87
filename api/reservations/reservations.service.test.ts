import { ValidationError } from '../../lib/errors';
import { checkUntil, MAX_RESERVED_PHONES, reservedPhones } from './reservations.service';

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return (err.errors ?? []).map((e) => e.field);
    throw err;
  }
  return [];
};

describe('reservedPhones', () => {
  test('normalises like contact imports and drops duplicates', () => {
    expect(reservedPhones(['+49 30 1234567', '030 1234567', '+4930 7654321'], 'DE')).toEqual([
      '+49301234567',
      '+49307654321',
    ]);
  });

  test('hostile and invalid numbers are a 422 naming each', () => {
    const hostile = ['+4930123456', "'; DROP TABLE reservation;--", '\u0000+49301', '=cmd|/c calc', 'x'.repeat(5000)];
    expect(fieldsOf(() => reservedPhones(hostile, undefined))).toEqual([
      'body.phones[1]',
      'body.phones[2]',
      'body.phones[3]',
      'body.phones[4]',
    ]);
    expect(fieldsOf(() => reservedPhones([], undefined))).toEqual(['body.phones']);
    expect(fieldsOf(() => reservedPhones(['+4930123456'], 'ZZ'))).toEqual(['body.defaultCountry']);
    const tooMany = Array.from({ length: MAX_RESERVED_PHONES + 1 }, (_, i) => `+4930${String(i).padStart(7, '0')}`);
    expect(fieldsOf(() => reservedPhones(tooMany, undefined))).toEqual(['body.phones']);
  });
});

describe('checkUntil', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  test('in the future, at most 90 days ahead', () => {
    expect(checkUntil(new Date('2026-12-07T12:00:01Z'), now)).toEqual(new Date('2026-12-07T12:00:01Z'));
    expect(fieldsOf(() => checkUntil(new Date('2026-12-07T12:00:00Z'), now))).toEqual(['body.until']);
    expect(fieldsOf(() => checkUntil(new Date('2027-03-08T12:00:01Z'), now))).toEqual(['body.until']);
    expect(fieldsOf(() => checkUntil(new Date('nonsense'), now))).toEqual(['body.until']);
  });
});
