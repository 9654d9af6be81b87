import { decideRange } from './byte-range';

describe('decideRange', () => {
  it.each([
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
    ['bytes=900-', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=500-5000', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['Bytes = 10-19 ', { kind: 'partial', start: 10, end: 19 }],
  ])('serves one range of 1000 bytes: %s', (header, expected) => {
    expect(decideRange(header, 1000)).toEqual(expected);
  });

  it.each(['bytes=1000-', 'bytes=1000-2000', 'bytes=-0'])('cannot serve %s of 1000 bytes', (header) => {
    expect(decideRange(header, 1000)).toEqual({ kind: 'unsatisfiable' });
  });

  it('cannot serve any range of an empty file', () => {
    expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-10', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([undefined, '', 'items=0-10', 'bytes=0-10,20-30', 'bytes=20-10', 'bytes=-', 'bytes=a-b', 'bytes 0-10'])(
    'ignores %p and serves the whole file',
    (header) => {
      expect(decideRange(header, 1000)).toEqual({ kind: 'full' });
    },
  );

  it('reads a 16 KB header of spaces in linear time (F32: the old regex was quadratic)', () => {
    const spaces = ' '.repeat(16 * 1024);
    const started = performance.now();
    // `bytes=x<16 KB of spaces>y` took ~200 ms with /^\s*bytes\s*=\s*(.*?)\s*$/i.
    for (const header of [`bytes=x${spaces}y`, `bytes=x${spaces}y${spaces}z`, `${spaces}bytes = 0-9${spaces}`]) {
      decideRange(header, 1000);
    }
    expect(performance.now() - started).toBeLessThan(50);
    expect(decideRange(`${spaces}bytes = 0-9${spaces}`, 1000)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(decideRange(`bytes=x${spaces}y`, 1000)).toEqual({ kind: 'full' });
  });
});
