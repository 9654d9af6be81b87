import { copyValue, jsonObjectWriter } from './copy-text';

describe('COPY text format', () => {
  it('escapes backslash, tab, newline and carriage return', () => {
    expect(copyValue('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyValue('plain, text; "quoted"')).toBe('plain, text; "quoted"');
  });

  it('writes JSON objects skipping absent values', () => {
    const write = jsonObjectWriter(['city', 'Kunde "Nr"', 'note']);
    expect(write(['Berlin', '7', 'a\tb'])).toBe('{"city":"Berlin","Kunde \\"Nr\\"":"7","note":"a\\tb"}');
    expect(write([undefined, '', undefined])).toBe('{"Kunde \\"Nr\\"":""}');
    expect(JSON.parse(write(['x', undefined, 'y']))).toEqual({ city: 'x', note: 'y' });
  });
});
