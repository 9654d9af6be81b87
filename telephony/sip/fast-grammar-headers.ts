/**
 * The start line and the headers sip.js parses on every message, by hand: each function
 * returns exactly what sip.js's PEG grammar (`Grammar.parse(value, rule)`) returns for that
 * rule — same classes, same fields, same field order, the grammar's quirks included — or
 * {@link FALLBACK} when the value is outside the shapes it knows, and the grammar decides.
 * Nothing here ever rejects: a value the grammar would reject always falls back, so
 * malformed input is judged by the grammar exactly as before.
 */
import type { NameAddrHeader, URI } from 'sip.js';
import {
  hostEnd,
  ipv4End,
  isDigit,
  isReasonChar,
  isToken,
  isWordChar,
  lastHostType,
  methodEnd,
  runEnd,
  skipWsp,
} from './fast-grammar-scan.js';
import {
  GIVE_UP,
  header,
  makeNameAddr,
  makeUri,
  nameAddrEnd,
  paramsEnd,
  quotedEnd,
  startsWithSipScheme,
  uri,
  uriEnd,
  type ParamsKind,
} from './fast-grammar-uri.js';

/** "Not certain: ask the grammar." */
export const FALLBACK = undefined;

/** Content_Length, Max_Forwards: DIGIT+ */
export function parseDigits(value: string): number | undefined {
  return value.length > 0 && runEnd(value, 0, isDigit) === value.length ? parseInt(value, 10) : FALLBACK;
}

/** Call_ID = word ( "@" word )? — the value itself. */
export function parseCallId(value: string): string | undefined {
  const first = runEnd(value, 0, isWordChar);
  if (first === 0) return FALLBACK;
  if (first === value.length) return value;
  if (value.charCodeAt(first) !== 0x40) return FALLBACK;
  const second = runEnd(value, first + 1, isWordChar);
  return second > first + 1 && second === value.length ? value : FALLBACK;
}

/** CSeq = DIGIT+ LWS Method */
export function parseCSeq(value: string): { value: number; method: string } | undefined {
  const digits = runEnd(value, 0, isDigit);
  const method = skipWsp(value, digits);
  if (digits === 0 || method === digits || methodEnd(value, method) !== value.length) return FALLBACK;
  return { value: parseInt(value.slice(0, digits), 10), method: value.slice(method) };
}

const MEDIA_TYPES = ['text', 'image', 'audio', 'video', 'application'];

/** Content_Type = type SLASH subtype (SEMI attribute EQUAL (token / quoted-string))* — the value itself. */
export function parseContentType(value: string): string | undefined {
  const type = runEnd(value, 0, isToken);
  const name = value.slice(0, type).toLowerCase();
  if (type === 0 || MEDIA_TYPES.some((t) => name.startsWith(t) && name !== t)) return FALLBACK;
  let at = skipWsp(value, type);
  if (value.charCodeAt(at) !== 0x2f) return FALLBACK;
  const subtype = skipWsp(value, at + 1);
  at = runEnd(value, subtype, isToken);
  if (at === subtype) return FALLBACK;
  for (;;) {
    if (at === value.length) return value;
    const semi = skipWsp(value, at); // whitespace only before another parameter
    if (value.charCodeAt(semi) !== 0x3b) return FALLBACK;
    const attribute = skipWsp(value, semi + 1);
    const equal = skipWsp(value, runEnd(value, attribute, isToken));
    if (equal === attribute || value.charCodeAt(equal) !== 0x3d) return FALLBACK;
    const start = skipWsp(value, equal + 1);
    at = value.charCodeAt(start) === 0x22 ? quotedEnd(value, start) : runEnd(value, start, isToken);
    if (at <= start) return FALLBACK;
  }
}

/** SIP_Version = "SIP"i "/" DIGIT+ "." DIGIT+ : its end, or -1. */
function versionEnd(s: string, i: number): number {
  if ((s.charCodeAt(i) | 0x20) !== 0x73 || (s.charCodeAt(i + 1) | 0x20) !== 0x69) return -1;
  if ((s.charCodeAt(i + 2) | 0x20) !== 0x70 || s.charCodeAt(i + 3) !== 0x2f) return -1;
  const major = runEnd(s, i + 4, isDigit);
  if (major === i + 4 || s.charCodeAt(major) !== 0x2e) return -1;
  const minor = runEnd(s, major + 1, isDigit);
  return minor === major + 1 ? -1 : minor;
}

interface StatusLine {
  sip_version: string;
  status_code: number;
  reason_phrase: string;
}
interface RequestLine {
  method: string;
  password?: string;
  uri: URI;
  sip_version: string;
}

/** Request_Response = Status_Line / Request_Line */
export function parseStartLine(line: string): StatusLine | RequestLine | undefined {
  const version = versionEnd(line, 0);
  if (version >= 0) {
    const code = version + 1;
    if (line.charCodeAt(version) !== 0x20 || runEnd(line, code, isDigit) !== code + 3) return FALLBACK;
    if (line.charCodeAt(code + 3) !== 0x20 || runEnd(line, code + 4, isReasonChar) !== line.length) return FALLBACK;
    return {
      sip_version: line.slice(0, version),
      status_code: parseInt(line.slice(code, code + 3), 10),
      reason_phrase: line.slice(code + 4),
    };
  }
  const method = methodEnd(line, 0);
  if (method < 0 || line.charCodeAt(method) !== 0x20) return FALLBACK;
  const end = uriEnd(line, method + 1, true);
  if (end < 0 || line.charCodeAt(end) !== 0x20 || versionEnd(line, end + 1) !== line.length) return FALLBACK;
  const request: RequestLine = { method: line.slice(0, method) } as RequestLine;
  if (uri.password !== undefined) request.password = uri.password;
  request.uri = makeUri();
  request.sip_version = line.slice(end + 1);
  return request;
}

/** SIP_URI as a start rule: the URI itself. */
export function parseSipUri(value: string): URI | undefined {
  return uriEnd(value, 0, true) === value.length ? makeUri() : FALLBACK;
}

/** (addr_spec / name_addr) at `i` then its parameters: the end, or GIVE_UP. */
function addressEnd(s: string, i: number, kind: ParamsKind): number {
  let end: number;
  if (kind !== 'route' && startsWithSipScheme(s, i)) {
    header.displayName = undefined;
    end = uriEnd(s, i, false);
  } else {
    end = nameAddrEnd(s, i);
  }
  return end < 0 ? GIVE_UP : paramsEnd(s, end, kind);
}

/** From, To = ( addr_spec / name_addr ) ( SEMI (tag_param / generic_param) )* */
export function parseFromTo(value: string): NameAddrHeader | undefined {
  return addressEnd(value, 0, 'from') === value.length ? makeNameAddr() : FALLBACK;
}

/** One entry of the grammar's Contact / Record_Route result: `position` is where it ends, `offset` where it starts. */
interface MultiHeader {
  position: number;
  offset: number;
  parsed: NameAddrHeader;
}

/** Contact (not `*`), Record_Route: comma-separated name-addrs with parameters. */
export function parseAddressList(value: string, kind: 'contact' | 'route'): MultiHeader[] | undefined {
  const list: MultiHeader[] = [];
  let start = 0;
  for (;;) {
    const end = addressEnd(value, start, kind);
    if (end < 0) return FALLBACK;
    list.push({ position: end, offset: start, parsed: makeNameAddr() });
    if (end === value.length) return list;
    const comma = skipWsp(value, end); // whitespace only before another entry
    if (value.charCodeAt(comma) !== 0x2c) return FALLBACK;
    start = skipWsp(value, comma + 1);
  }
}

export type Via = Record<string, unknown> & { params?: Record<string, string | undefined> };

/** One via-params entry at `i` (just after the `;`) into `via`: its end or GIVE_UP. */
function viaParamEnd(s: string, i: number, via: Via): number {
  const nameEnd = runEnd(s, i, isToken);
  const name = s.slice(i, nameEnd).toLowerCase();
  const equal = skipWsp(s, nameEnd);
  if (nameEnd === i || name === '__proto__') return GIVE_UP;
  if (s.charCodeAt(equal) !== 0x3d) {
    (via.params ??= {})[name] = undefined;
    return nameEnd;
  }
  const start = skipWsp(s, equal + 1);
  let end: number;
  switch (name) {
    case 'ttl':
    case 'maddr':
      return GIVE_UP;
    case 'received':
      end = ipv4End(s, start);
      if (end < 0) return GIVE_UP;
      via.host_type = 'IPv4';
      via.received = s.slice(start, end);
      return end;
    case 'branch':
    case 'rport':
      end = runEnd(s, start, name === 'rport' ? isDigit : isToken);
      if (end === start) return GIVE_UP;
      via[name] = s.slice(start, end);
      return end;
    default:
      end = runEnd(s, start, isToken);
      if (end === start) end = s.charCodeAt(start) === 0x22 ? quotedEnd(s, start) : GIVE_UP;
      if (end < 0) return GIVE_UP;
      (via.params ??= {})[name] = s.slice(start, end);
      return end;
  }
}

const TRANSPORTS = ['udp', 'tcp', 'tls', 'sctp'];

/** sent-protocol LWS sent-by at `i` into `via`: its end or GIVE_UP. */
function sentByEnd(s: string, i: number, via: Via): number {
  const protocol = runEnd(s, i, isToken);
  if (protocol !== i + 3 || s.slice(i, protocol).toLowerCase() !== 'sip') return GIVE_UP;
  via.protocol = s.slice(i, protocol);
  let at = skipWsp(s, protocol);
  if (s.charCodeAt(at) !== 0x2f) return GIVE_UP;
  const version = skipWsp(s, at + 1);
  at = skipWsp(s, runEnd(s, version, isToken));
  if (at === version || s.charCodeAt(at) !== 0x2f) return GIVE_UP;
  const transport = skipWsp(s, at + 1);
  at = runEnd(s, transport, isToken);
  const name = s.slice(transport, at).toLowerCase();
  if (at === transport || TRANSPORTS.some((t) => name.startsWith(t) && name !== t)) return GIVE_UP;
  via.transport = s.slice(transport, at);
  const host = skipWsp(s, at);
  at = hostEnd(s, host);
  if (host === transport + name.length || at < 0) return GIVE_UP;
  via.host_type = lastHostType;
  via.host = s.slice(host, at);
  const colon = skipWsp(s, at);
  if (s.charCodeAt(colon) !== 0x3a) return at;
  const port = skipWsp(s, colon + 1);
  at = runEnd(s, port, isDigit);
  if (at === port || at - port > 5) return GIVE_UP;
  via.port = parseInt(s.slice(port, at), 10);
  return at;
}

/** Via = via-parm (COMMA via-parm)*: one object, later via-parms overwriting earlier fields, as the grammar does. */
export function parseVia(value: string): Via | undefined {
  const via: Via = {};
  let at = 0;
  for (;;) {
    at = sentByEnd(value, at, via);
    for (;;) {
      if (at < 0) return FALLBACK;
      const semi = skipWsp(value, at);
      if (value.charCodeAt(semi) !== 0x3b) break;
      at = viaParamEnd(value, skipWsp(value, semi + 1), via);
    }
    if (at === value.length) return via;
    const comma = skipWsp(value, at); // whitespace only before another via-parm
    if (value.charCodeAt(comma) !== 0x2c) return FALLBACK;
    at = skipWsp(value, comma + 1);
  }
}
