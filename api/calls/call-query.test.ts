import { fieldsOf } from '../../test/support/field-errors';
import {
  decodeCallCursor,
  encodeCallCursor,
  instantFromMicros,
  MAX_PAGE_SIZE,
  parseCallQuery,
  parseInstant,
} from './call-query';

describe('parseInstant', () => {
  it.each([
    ['2026-12-01T09:00:00Z', '2026-12-01T09:00:00.000000Z'],
    ['2026-12-01T10:00:00+01:00', '2026-12-01T09:00:00.000000Z'],
    ['2026-12-01T10:00+0100', '2026-12-01T09:00:00.000000Z'],
    ['2026-12-01t04:00:00-05', '2026-12-01T09:00:00.000000Z'],
    ['2026-12-01 09:00:00.123456789Z', '2026-12-01T09:00:00.123456Z'],
    ['2026-12-01T00:30:00.5+01:00', '2026-11-30T23:30:00.500000Z'],
    ['2024-02-29T23:59:59.999999-00:30', '2024-03-01T00:29:59.999999Z'],
    ['2026-12-01T10:00:00 01:00', '2026-12-01T09:00:00.000000Z'], // an unencoded + in a URL
  ])('reads %s exactly, to the microsecond', (text, utc) => {
    expect(parseInstant(text)?.text).toBe(utc);
  });

  it('orders instants by their microseconds', () => {
    const a = parseInstant('2026-12-01T09:00:00.000001Z');
    const b = parseInstant('2026-12-01T09:00:00.000002Z');
    expect(b!.micros - a!.micros).toBe(1n);
  });

  it.each([
    '2026-12-01T09:00:00', // no offset
    '2026-12-01',
    '2026-12-01 09:00',
    '2026-02-30T09:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T09:60:00Z',
    '2026-12-01T09:00:00+19:00',
    '1 Dec 2026 09:00 GMT',
    '',
  ])('refuses %p', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('writes microseconds before the epoch too', () => {
    expect(instantFromMicros(-1n).text).toBe('1969-12-31T23:59:59.999999Z');
    expect(parseInstant('1969-12-31T23:59:59.999999Z')?.micros).toBe(-1n);
  });
});

describe('call cursors', () => {
  const cursor = { inviteAt: '2026-12-01T09:00:00.123456Z', id: '0b9d7f8e-2f1c-4d3a-9e8b-7c6d5e4f3a2b' };

  it('round-trip the exact time and id', () => {
    expect(decodeCallCursor(encodeCallCursor(cursor))).toEqual(cursor);
  });

  it.each([
    Buffer.from('2026-12-01T09:00:00.123Z|0b9d7f8e-2f1c-4d3a-9e8b-7c6d5e4f3a2b').toString('base64url'),
    Buffer.from('2026-12-01T09:00:00.123456Z|not-a-uuid').toString('base64url'),
    Buffer.from('2026-02-30T09:00:00.123456Z|0b9d7f8e-2f1c-4d3a-9e8b-7c6d5e4f3a2b').toString('base64url'),
    'garbage',
  ])('refuse anything else: %s', (text) => {
    expect(decodeCallCursor(text)).toBeUndefined();
  });
});

describe('parseCallQuery', () => {
  it('normalises the phone number like the contact lists do', () => {
    expect(parseCallQuery({ phone: '+49 (0)30 123-4567' }).phone).toBe('+49301234567');
    expect(parseCallQuery({ phone: '0049 30 1234567' }).phone).toBe('+49301234567');
    expect(parseCallQuery({ phone: '030 1234567', defaultCountry: 'de' }).phone).toBe('+49301234567');
  });

  it('defaults the page size and keeps the filters', () => {
    const query = parseCallQuery({
      from: '2026-12-01T09:00:00+01:00',
      to: '2026-12-01T10:00:00+01:00',
      campaignId: '0b9d7f8e-2f1c-4d3a-9e8b-7c6d5e4f3a2b',
      outcome: 'busy',
    });
    expect(query).toMatchObject({
      limit: 50,
      from: { text: '2026-12-01T08:00:00.000000Z' },
      to: { text: '2026-12-01T09:00:00.000000Z' },
      campaignId: '0b9d7f8e-2f1c-4d3a-9e8b-7c6d5e4f3a2b',
      outcome: 'busy',
    });
    expect(parseCallQuery({ limit: MAX_PAGE_SIZE }).limit).toBe(MAX_PAGE_SIZE);
  });

  it('accepts an empty interval (from = to) but not a reversed one', () => {
    expect(parseCallQuery({ from: '2026-12-01T09:00:00Z', to: '2026-12-01T10:00:00+01:00' }).from).toBeDefined();
    expect(fieldsOf(() => parseCallQuery({ from: '2026-12-01T09:00:00.000001Z', to: '2026-12-01T09:00:00Z' }))).toEqual(
      ['to'],
    );
  });

  it('names every bad field at once', () => {
    expect(
      fieldsOf(() =>
        parseCallQuery({
          phone: '12345',
          from: '2026-12-01T09:00:00',
          to: 'tomorrow',
          campaignId: 'abc',
          limit: MAX_PAGE_SIZE + 1,
          after: 'nope',
        }),
      ),
    ).toEqual(['phone', 'from', 'to', 'campaignId', 'limit', 'after']);
  });

  it.each([
    [{ phone: '030 1234567' }, ['phone']],
    [{ phone: 'call me' }, ['phone']],
    [{ phone: '+999 1234567' }, ['phone']],
    [{ phone: '030 1234567', defaultCountry: 'XX' }, ['defaultCountry']],
    [{ limit: 0 }, ['limit']],
    [{ limit: 2.5 }, ['limit']],
  ])('refuses %p', (input, fields) => {
    expect(fieldsOf(() => parseCallQuery(input))).toEqual(fields);
  });
});
