import { StreamFramer } from './stream-framer';

const msg = (body = '') =>
  `OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('StreamFramer', () => {
  it('splits back-to-back messages and reassembles across chunk boundaries', () => {
    const framer = new StreamFramer();
    const stream = Buffer.from(msg('héllo') + msg() + msg('x'.repeat(3000)));
    const events = [];
    for (let i = 0; i < stream.length; i += 7) events.push(...framer.push(stream.subarray(i, i + 7)));
    expect(events.map((e) => e.kind)).toEqual(['message', 'message', 'message']);
    expect(events[0]).toEqual({ kind: 'message', text: msg('héllo') });
    expect(events[2]).toEqual({ kind: 'message', text: msg('x'.repeat(3000)) });
  });

  it('understands the compact form l:', () => {
    const compact = 'BYE sip:x@y SIP/2.0\r\nl: 2\r\n\r\nok';
    expect(new StreamFramer().push(Buffer.from(compact))).toEqual([{ kind: 'message', text: compact }]);
  });

  it('reports CRLF keep-alive pings between messages', () => {
    const events = new StreamFramer().push(Buffer.from(`\r\n\r\n${msg()}`));
    expect(events.map((e) => e.kind)).toEqual(['ping', 'message']);
  });

  it('fails on a missing Content-Length or an oversized message instead of buffering forever', () => {
    expect(new StreamFramer().push(Buffer.from('BYE x SIP/2.0\r\nVia: a\r\n\r\n'))[0]).toMatchObject({ kind: 'error' });
    expect(new StreamFramer(100).push(Buffer.from(msg('y'.repeat(200))))[0]).toMatchObject({ kind: 'error' });
    expect(new StreamFramer(100).push(Buffer.alloc(200, 0x41))[0]).toMatchObject({ kind: 'error' });
  });

  it('never throws on random bytes', () => {
    const framer = new StreamFramer(4096);
    for (let i = 0; i < 200; i += 1) {
      const bytes = Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256)));
      expect(() => framer.push(bytes)).not.toThrow();
    }
  });
});
