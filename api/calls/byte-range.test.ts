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
});
