import { decodeNameCursor, departmentNameProblem, nameCursor } from './department-names.js';

describe('department names', () => {
  it.each(['Sales', 'Ventes — Île-de-France', 'a', 'x'.repeat(200)])('takes %j', (name) => {
    expect(departmentNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(201)],
    ['CR/LF', 'Sales\r\nX-Injected: 1'],
    ['NUL', 'Sa\u0000les'],
    ['TAB', 'Sa\tles'],
    ['bidi override', 'Sales\u202e'],
    ['zero-width', 'Sa\u200bles'],
    ['line separator', 'Sa\u2028les'],
    ['leading space', ' Sales'],
    ['trailing space', 'Sales '],
  ])('refuses %s', (_what, name) => {
    expect(departmentNameProblem(name)).toEqual(expect.any(String));
  });

  it('round-trips a cursor and refuses a forged one', () => {
    expect(decodeNameCursor(nameCursor('Sales'))).toBe('Sales');
    expect(() => decodeNameCursor(nameCursor('a\nb'))).toThrow('invalid fields');
    expect(() => decodeNameCursor('!!')).toThrow('invalid fields');
  });
});
