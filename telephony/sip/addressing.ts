/**
 * Where SIP messages go and how they name us — the part of RFC 3261 §18 that sip.js leaves
 * to the transport.
 *
 * sip.js writes a placeholder host (`viaHost`) without a port into Via and Contact, and
 * drops responses whose top Via differs from it. The transport therefore rewrites, on the
 * way out, the placeholder to our reachable `host:port` (the configured public address for
 * NAT, else the bound address) and adds `rport` (RFC 3581) to Via; on the way in, it puts
 * the placeholder back into the top Via of responses whose sent-by is that address. Requests
 * go to the next hop (the trunk, or its outbound proxy); responses go where the request's
 * top Via says: `received` / `rport` when present, else the sent-by host and port. The
 * transport stamps `received` and `rport` with the packet's real source on every incoming
 * request (see request-guard.ts), so responses go back where the request came from.
 */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Both rewrites run on every SIP message, so they look for the strings they replace with
 * `indexOf` (the placeholder is a random token that occurs only where sip.js wrote it) and
 * check the header line around each hit, instead of splitting the head into lines and
 * running regular expressions over each (a twentieth of a call's CPU in `make bench-sip`).
 */

/** The end of a message's head (the blank line), or its length when there is no body separator. */
function headEnd(message: string): number {
  const end = message.indexOf('\r\n\r\n');
  return end < 0 ? message.length : end;
}

/** The lower-cased name of the header on the line holding `at`; '' for the start line and continuation lines. */
function headerNameAt(message: string, at: number): string {
  const newline = message.lastIndexOf('\r\n', at);
  if (newline < 0) return '';
  const start = newline + 2;
  const colon = message.indexOf(':', start);
  if (colon < 0 || colon > at) return '';
  const name = message.slice(start, colon).trimEnd();
  return name === '' || name !== name.trimStart() ? '' : name.toLowerCase();
}

const isVia = (name: string) => name === 'via' || name === 'v';
const isContact = (name: string) => name === 'contact' || name === 'm';

/** Whether the character at `at` may follow a host: one of `allowed`, whitespace, or the end of the line or head. */
function hostEndsAt(message: string, at: number, end: number, allowed: string): boolean {
  if (at >= end) return true;
  const c = message[at];
  return allowed.includes(c) || c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** `SIP/2.0/<transport> ` right before `at` (the sent-by of a Via value). */
function followsSentProtocol(message: string, at: number): boolean {
  if (message[at - 1] !== ' ') return false;
  let i = at - 2;
  while (i >= 0 && /[A-Za-z]/.test(message[i])) i -= 1;
  return i < at - 2 && message.startsWith('SIP/2.0/', i - 7);
}

/**
 * Replaces each occurrence of `needle` in the head of `message` for which `replacement`
 * (given where it starts, ends, and where the head ends) returns a string.
 */
function replaceInHead(
  message: string,
  needle: string,
  replacement: (at: number, after: number, end: number) => string | undefined,
): string {
  let at = message.indexOf(needle);
  if (at < 0) return message;
  const end = headEnd(message);
  let out = '';
  let copied = 0;
  for (; at >= 0 && at < end; at = message.indexOf(needle, at + 1)) {
    const after = at + needle.length;
    const text = replacement(at, after, end);
    if (text === undefined) continue;
    out += message.slice(copied, at) + text;
    copied = after;
  }
  return copied === 0 ? message : out + message.slice(copied);
}

/** Rewrites our placeholder in the Via and Contact headers of an outgoing message. */
export function rewriteOutgoing(message: string, placeholder: string, self: HostPort): string {
  const sentBy = `${sipHost(self.host)}:${self.port}`;
  return replaceInHead(message, placeholder, (at, after, end) => {
    const name = headerNameAt(message, at);
    if (isVia(name) && followsSentProtocol(message, at) && hostEndsAt(message, after, end, ';,')) {
      return `${sentBy};rport`;
    }
    if (isContact(name) && message[at - 1] === '@' && hostEndsAt(message, after, end, ';>:')) return sentBy;
    return undefined;
  });
}

const TOP_VIA_SENT_BY = /((?:via|v)\s*:\s*SIP\/2\.0\/[A-Za-z]+\s+)(\[[^\]]+\]|[^;\s,:]+)(:\d+)?/iy;

/**
 * Puts the placeholder back into the top Via of an incoming response (sip.js checks it),
 * keeping every parameter — but only when that Via's sent-by is `self`, the address we
 * advertised: a response whose top Via is not the one we wrote is not an answer to our
 * request, and is left for sip.js to drop (review F4: rewriting every Via made sip.js's
 * check pass for anything). Also puts the placeholder into Contacts that name us as `self`:
 * a registrar's 200 lists our binding, and sip.js only accepts the REGISTER when it
 * recognises its own Contact there. Requests are returned unchanged.
 */
export function rewriteIncomingResponse(message: string, placeholder: string, self: HostPort): string {
  if (!message.startsWith('SIP/2.0 ')) return message;
  let rewritten = message;
  const ourHost = sipHost(self.host).toLowerCase();
  const ourPort = `:${self.port}`;
  for (let line = message.indexOf('\r\n') + 2; line > 1; line = message.indexOf('\r\n', line) + 2) {
    const first = message.charCodeAt(line) | 0x20;
    if (first !== 0x76) continue; // not 'v' / 'V': cannot be a Via line
    TOP_VIA_SENT_BY.lastIndex = line;
    const via = TOP_VIA_SENT_BY.exec(message);
    if (!via) continue;
    if (via[2].toLowerCase() === ourHost && via[3] === ourPort) {
      rewritten = message.slice(0, line) + via[1] + placeholder + message.slice(line + via[0].length);
    }
    break;
  }
  return replaceInHead(rewritten, `@${sipHost(self.host)}:${self.port}`, (at, after, end) =>
    isContact(headerNameAt(rewritten, at)) && hostEndsAt(rewritten, after, end, ';>,') ? `@${placeholder}` : undefined,
  );
}

/** RFC 3261 §18.2.2 / RFC 3581 §4: where to send a response to a request with this top Via. */
export function responseDestination(message: string, defaultPort = 5060): HostPort | undefined {
  const via =
    /^(?:via|v)[ \t]*:[ \t]*SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*[A-Za-z]+[ \t]+(\[[^\]]+\]|[^;\s,:]+)(?::(\d+))?([^,\r\n]*)/im.exec(
      message,
    );
  if (!via) return undefined;
  const params = via[3] ?? '';
  const received = /;\s*received=([^;\s,]+)/i.exec(params)?.[1];
  const rport = /;\s*rport=(\d+)/i.exec(params)?.[1];
  const host = (received ?? via[1] ?? '').replace(/^\[|\]$/g, '');
  const port = Number(rport ?? via[2] ?? defaultPort);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** A host as it goes into a SIP URI or a sent-by: an IPv6 literal in brackets, anything else as it is. */
export function sipHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
