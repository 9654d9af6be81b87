/**
 * The rewrites in addressing.ts scan with indexOf; the regular-expression versions they
 * replaced (below, verbatim) are the reference. Both must give the same output for every
 * captured message and RFC 4475-style case, with our placeholder and advertised address
 * put where sip.js and a registrar put them, and in places they must be left alone.
 */
import { rewriteIncomingResponse, rewriteOutgoing, sipHost, type HostPort } from './addressing';
import { capturedMessages, TORTURE_MESSAGES } from './fast-grammar-test-corpus';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function referenceOutgoing(message: string, placeholder: string, self: HostPort): string {
  const headEnd = message.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? message : message.slice(0, headEnd);
  const body = headEnd < 0 ? '' : message.slice(headEnd);
  const host = escape(placeholder);
  const sentBy = `${sipHost(self.host)}:${self.port}`;
  const lines = head.split('\r\n').map((line) => {
    if (/^(via|v)\s*:/i.test(line)) {
      return line.replace(new RegExp(`(SIP/2\\.0/[A-Za-z]+ )${host}(?=[;\\s,]|$)`, 'g'), `$1${sentBy};rport`);
    }
    if (/^(contact|m)\s*:/i.test(line)) return line.replace(new RegExp(`@${host}(?=[;>:\\s]|$)`, 'g'), `@${sentBy}`);
    return line;
  });
  return lines.join('\r\n') + body;
}

function referenceIncoming(message: string, placeholder: string, self: HostPort): string {
  if (!message.startsWith('SIP/2.0 ')) return message;
  const rewritten = message.replace(
    /^((?:via|v)\s*:\s*SIP\/2\.0\/[A-Za-z]+\s+)(\[[^\]]+\]|[^;\s,:]+)(:\d+)?/im,
    (all: string, prefix: string, host: string, port: string | undefined) =>
      host.toLowerCase() === sipHost(self.host).toLowerCase() && port === `:${self.port}`
        ? `${prefix}${placeholder}`
        : all,
  );
  const headEnd = rewritten.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? rewritten : rewritten.slice(0, headEnd);
  const ours = new RegExp(`@${escape(`${sipHost(self.host)}:${self.port}`)}(?=[;>\\s,]|$)`, 'g');
  const lines = head
    .split('\r\n')
    .map((line) => (/^(contact|m)\s*:/i.test(line) ? line.replace(ours, `@${placeholder}`) : line));
  return lines.join('\r\n') + (headEnd < 0 ? '' : rewritten.slice(headEnd));
}

const PLACEHOLDER = 'vc-34ebdc666430.invalid';
const SELF: HostPort = { host: '127.0.0.1', port: 50308 };
const SELF6: HostPort = { host: '2001:db8::5', port: 5070 };

/** Each message as captured, and with the placeholder or our address spliced into its Via, Contact and other headers. */
function variants(message: string): string[] {
  const out = [message];
  const sentByPattern = /(SIP\/2\.0\/[A-Za-z]+ )([^;\s,]+)/g;
  const contactPattern = /@([^;>\s,]+)/g;
  for (const host of [
    PLACEHOLDER,
    `${PLACEHOLDER}:5060`,
    `x${PLACEHOLDER}`,
    `${PLACEHOLDER}x`,
    '127.0.0.1:50308',
    '[2001:db8::5]:5070',
    '127.0.0.1:5030',
    '127.0.0.1',
  ]) {
    out.push(message.replace(sentByPattern, `$1${host}`));
    out.push(message.replace(contactPattern, `@${host}`));
    out.push(message.replace(/\r\nTo:([^\r]*)/i, `\r\nTo: <sip:a@${host}>`));
    out.push(message.replace(/\r\n(Via|Contact)\s*:/gi, '\r\n$1 :').replace(contactPattern, `@${host}`));
    out.push(message.replace(/\r\nVia:[^\r]*/i, `\r\nVia: SIP/2.0/UDP ${host},SIP/2.0/TCP ${host} ;branch=1`));
    out.push(message.replace('\r\n\r\n', `\r\nContact: sip:a@${host},sip:b@${host}\t;q=1\r\n\r\n`));
    out.push(
      message
        .replace(/\r\nVia:/gi, '\r\nv:')
        .replace(/\r\nContact:/gi, '\r\nm:')
        .replace(contactPattern, `@${host}`),
    );
  }
  out.push(`${message}\r\nContact: <sip:a@${PLACEHOLDER}>`); // in the body: left alone
  out.push(message.replace('\r\n\r\n', `\r\nContact: <sip:a@${PLACEHOLDER}>, <sip:b@${PLACEHOLDER}:5>\r\n\r\n`));
  return out;
}

const corpus = [...capturedMessages(), ...TORTURE_MESSAGES].flatMap(variants);

describe('addressing rewrites agree with the regular-expression versions they replaced', () => {
  test('the corpus is large enough to mean something', () => {
    expect(corpus.length).toBeGreaterThan(500);
    expect(corpus.filter((m) => rewriteOutgoing(m, PLACEHOLDER, SELF) !== m).length).toBeGreaterThan(100);
    expect(corpus.filter((m) => rewriteIncomingResponse(m, PLACEHOLDER, SELF) !== m).length).toBeGreaterThan(100);
  });

  test.each([
    ['IPv4', SELF],
    ['IPv6', SELF6],
  ])('outgoing, %s', (_name, self) => {
    for (const message of corpus) {
      expect(rewriteOutgoing(message, PLACEHOLDER, self)).toBe(referenceOutgoing(message, PLACEHOLDER, self));
    }
  });

  test.each([
    ['IPv4', SELF],
    ['IPv6', SELF6],
  ])('incoming, %s', (_name, self) => {
    for (const message of corpus) {
      expect(rewriteIncomingResponse(message, PLACEHOLDER, self)).toBe(referenceIncoming(message, PLACEHOLDER, self));
    }
  });
});
