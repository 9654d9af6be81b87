import { sseComment, sseEvent, sseRetry } from './server-sent-events';

describe('server-sent events', () => {
  it('writes an event with its id and JSON data on one line each', () => {
    expect(sseEvent('outcome', { a: 1 }, '7.x')).toBe('event: outcome\nid: 7.x\ndata: {"a":1}\n\n');
    expect(sseEvent('counters', { a: 1 })).toBe('event: counters\ndata: {"a":1}\n\n');
  });

  it('keeps hostile text inside its data line', () => {
    const frame = sseEvent('outcome', { sipReason: 'Busy\r\n\r\nevent: end\ndata: {}\rid: 0' });
    expect(frame.split(/\r\n|\r|\n/)).toHaveLength(4); // event, data, the blank line
    expect(frame).toMatch(
      /^event: outcome\ndata: \{"sipReason":"Busy\\r\\n\\r\\nevent: end\\ndata: \{\}\\rid: 0"\}\n\n$/,
    );
    // U+2028 and U+2029 are not line ends in event streams: they may stay as they are.
    expect(sseEvent('x', '\u2028').split(/\r\n|\r|\n/)).toHaveLength(4);
  });

  it('refuses an event name, id or comment that is not one line', () => {
    expect(() => sseEvent('a\nb', {})).toThrow();
    expect(() => sseEvent('a', {}, '1\r2')).toThrow();
    expect(() => sseComment('x\ny')).toThrow();
    expect(sseComment('heartbeat')).toBe(': heartbeat\n\n');
    expect(sseRetry(2500.7)).toBe('retry: 2500\n\n');
  });
});
