/**
 * Splits a SIP byte stream (TCP) into messages, RFC 3261 §18.3: a message ends after the
 * blank line that closes its headers plus `Content-Length` bytes of body (the header is
 * mandatory on streams; the compact form `l:` counts too). CRLF keep-alives between
 * messages (RFC 5626 §4.4.1: "\r\n\r\n" ping, "\r\n" pong) are reported separately.
 *
 * Network input: malformed framing never throws; it yields an `error` event so the
 * transport can drop the connection (a broken stream cannot be resynchronised).
 */
export type FrameEvent =
  | { readonly kind: 'message'; readonly text: string }
  | { readonly kind: 'ping' }
  | { readonly kind: 'error'; readonly reason: string };

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im;

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  /** `maxMessageBytes` bounds memory per connection; larger messages are a framing error. */
  constructor(private readonly maxMessageBytes = 64 * 1024) {}

  push(chunk: Buffer): FrameEvent[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const events: FrameEvent[] = [];
    for (;;) {
      const leading = this.skipLeadingCrlf();
      if (leading >= 4) events.push({ kind: 'ping' });
      if (this.buffer.length === 0) break;
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buffer.length > this.maxMessageBytes) events.push(this.fail('headers too large'));
        break;
      }
      const head = this.buffer.subarray(0, end).toString('utf8');
      const match = CONTENT_LENGTH.exec(head);
      if (!match) {
        events.push(this.fail('missing Content-Length on a stream transport'));
        break;
      }
      const bodyLength = Number(match[1]);
      const total = end + HEADER_END.length + bodyLength;
      if (total > this.maxMessageBytes) {
        events.push(this.fail(`message of ${total} bytes exceeds ${this.maxMessageBytes}`));
        break;
      }
      if (this.buffer.length < total) break;
      events.push({ kind: 'message', text: this.buffer.subarray(0, total).toString('utf8') });
      this.buffer = this.buffer.subarray(total);
    }
    return events;
  }

  /** Drops CRLFs before a message; returns how many bytes were dropped. */
  private skipLeadingCrlf(): number {
    let i = 0;
    while (i < this.buffer.length && (this.buffer[i] === 0x0d || this.buffer[i] === 0x0a)) i += 1;
    if (i > 0) this.buffer = this.buffer.subarray(i);
    return i;
  }

  private fail(reason: string): FrameEvent {
    this.buffer = Buffer.alloc(0);
    return { kind: 'error', reason };
  }
}
