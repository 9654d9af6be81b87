import { compareCursors, cursorParams, formatCursor, parseCursor, STREAM_START } from './event-cursor';

const ID = '3b0c8e4e-2f7a-4d1b-9a51-0c2b3d4e5f60';

describe('event cursors', () => {
  it('round-trips a row position and a bare transaction id', () => {
    expect(parseCursor(`812.${ID}`)).toEqual({ xid: '812', id: ID });
    expect(formatCursor({ xid: '812', id: ID })).toBe(`812.${ID}`);
    expect(parseCursor('812')).toEqual({ xid: '812' });
    expect(formatCursor(STREAM_START)).toBe('0');
  });

  it('refuses anything else a client might send', () => {
    for (const bad of [
      '',
      ' ',
      '-1',
      '01',
      '1.2',
      `812.${ID.toUpperCase()}`,
      `812.${ID}x`,
      '18446744073709551616',
      'a\nb',
      '1e3',
    ]) {
      expect(parseCursor(bad)).toBeUndefined();
    }
    expect(parseCursor('18446744073709551615')).toEqual({ xid: '18446744073709551615' });
  });

  it('orders by transaction, then row id, a bare transaction before its rows', () => {
    const a = { xid: '9' };
    const b = { xid: '9', id: ID };
    const c = { xid: '10' };
    expect(compareCursors(a, b)).toBe(-1);
    expect(compareCursors(b, c)).toBe(-1);
    expect(compareCursors(c, a)).toBe(1);
    expect(compareCursors(b, { xid: '9', id: ID })).toBe(0);
    expect(compareCursors({ xid: '9', id: '0' + ID.slice(1) }, b)).toBe(-1);
    // Numbers, not strings: 10 is after 9.
    expect(compareCursors({ xid: '10' }, { xid: '9', id: ID })).toBe(1);
  });

  it('binds a bare transaction as the nil uuid, before every row of it', () => {
    expect(cursorParams({ xid: '7' })).toEqual(['7', '00000000-0000-0000-0000-000000000000']);
    expect(cursorParams({ xid: '7', id: ID })).toEqual(['7', ID]);
  });
});
