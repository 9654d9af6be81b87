/**
 * SIP URIs, name-addr and header parameters for the hand-written SIP parser
 * (fast-grammar.ts), mirroring sip.js's PEG rules SIP_URI, SIP_URI_noparams, name_addr,
 * displayName and generic_param with their quirks (see fast-grammar-scan.ts).
 *
 * Scanners return the end index of what they took, or {@link GIVE_UP} for anything outside
 * the common shapes they know (escapes, URI headers, passwords, line folding, the odd
 * parameters the grammar treats specially): the caller then hands the whole header to the
 * grammar, so only input whose result is certain is ever answered here. Results go into
 * module-level slots (one parse at a time: all of this is synchronous).
 */
import { NameAddrHeader, URI } from 'sip.js';
import {
  hostEnd,
  ipv6ReferenceEnd,
  isDigit,
  isParamChar,
  isPasswordChar,
  isToken,
  isUserChar,
  runEnd,
  skipWsp,
} from './fast-grammar-scan.js';

/** A scanner's answer for "not certain: let the grammar decide". */
export const GIVE_UP = -1;

type Params = Record<string, string | number | undefined>;

/** Results of the last {@link uriEnd}. */
export const uri = {
  scheme: '',
  user: undefined as string | undefined,
  host: '',
  port: undefined as number | undefined,
  params: undefined as Params | undefined,
  /** The grammar's stray `password` (set by a userinfo attempt that failed, e.g. `sip:host:5060`). */
  password: undefined as string | undefined,
};

/** Results of the last {@link nameAddrEnd} / {@link paramsEnd}. */
export const header = {
  displayName: undefined as string | undefined,
  params: undefined as Params | undefined,
  /** From/To: the `tag` parameter, set after the others as the grammar does. */
  tag: undefined as string | undefined,
};

const lower = (s: string, from: number, to: number): string => s.slice(from, to).toLowerCase();

/** True when `s` at `i` starts with "sip:" or "sips:" (any case): an addr-spec, not a name-addr. */
export function startsWithSipScheme(s: string, i: number): boolean {
  if ((s.charCodeAt(i) | 0x20) !== 0x73 || (s.charCodeAt(i + 1) | 0x20) !== 0x69) return false;
  if ((s.charCodeAt(i + 2) | 0x20) !== 0x70) return false;
  const next = s.charCodeAt(i + 3);
  return next === 0x3a || ((next | 0x20) === 0x73 && s.charCodeAt(i + 4) === 0x3a);
}

/** A value that must be a whole token whose lower case, if it starts with one of `literals`, equals it (the grammar commits to the literal). */
function literalOrToken(s: string, from: number, to: number, literals: readonly string[]): string | undefined {
  for (let i = from; i < to; i++) if (!isToken(s.charCodeAt(i))) return undefined;
  const value = lower(s, from, to);
  for (const literal of literals) {
    if (value.startsWith(literal) && value !== literal) return undefined;
  }
  return value;
}

const TRANSPORTS = ['udp', 'tcp', 'sctp', 'tls'];
const USER_KINDS = ['phone', 'ip'];

/** One `;name[=value]` URI parameter at `i` (just after the `;`) into `params`; its end or GIVE_UP. */
function uriParamEnd(s: string, i: number, params: Params): number {
  const nameEnd = runEnd(s, i, isParamChar);
  if (nameEnd === i || s.charCodeAt(nameEnd) === 0x25) return GIVE_UP;
  const name = lower(s, i, nameEnd);
  if (s.charCodeAt(nameEnd) !== 0x3d) {
    if (name.startsWith('lr') && name !== 'lr') return GIVE_UP; // "lr"i matches a prefix
    if (name === '__proto__') return GIVE_UP;
    params[name] = undefined;
    return nameEnd;
  }
  const valueEnd = runEnd(s, nameEnd + 1, isParamChar);
  if (valueEnd === nameEnd + 1 || s.charCodeAt(valueEnd) === 0x25) return GIVE_UP;
  let value: string | undefined;
  if (name === 'transport') value = literalOrToken(s, nameEnd + 1, valueEnd, TRANSPORTS);
  else if (name === 'user') value = literalOrToken(s, nameEnd + 1, valueEnd, USER_KINDS);
  else if (name.startsWith('lr') || name === 'method' || name === 'ttl' || name === 'maddr') return GIVE_UP;
  else if (name !== '__proto__') value = s.slice(nameEnd + 1, valueEnd);
  if (value === undefined) return GIVE_UP;
  params[name] = value;
  return valueEnd;
}

/**
 * SIP_URI (with parameters) or SIP_URI_noparams (`withParams` false, the addr-spec form) at
 * `i`; fills {@link uri}. The caller checks what follows.
 */
export function uriEnd(s: string, i: number, withParams: boolean): number {
  uri.user = undefined;
  uri.port = undefined;
  uri.params = undefined;
  uri.password = undefined;
  if (!startsWithSipScheme(s, i)) return GIVE_UP;
  let at = s.charCodeAt(i + 3) === 0x3a ? i + 4 : i + 5;
  uri.scheme = s.slice(i, at - 1);
  // userinfo = user (":" password)? "@" — tried first; a failed attempt still leaves `password` behind.
  const userEnd = runEnd(s, at, isUserChar);
  if (userEnd > at) {
    const next = s.charCodeAt(userEnd);
    if (next === 0x25) return GIVE_UP;
    if (next === 0x40) {
      uri.user = s.slice(at, userEnd);
      at = userEnd + 1;
    } else if (next === 0x3a) {
      const passwordEnd = runEnd(s, userEnd + 1, isPasswordChar);
      const after = s.charCodeAt(passwordEnd);
      if (after === 0x25 || after === 0x40) return GIVE_UP;
      uri.password = s.slice(userEnd + 1, passwordEnd);
    }
  }
  const host = hostEnd(s, at);
  if (host < 0) return GIVE_UP;
  uri.host = s.slice(at, host);
  at = host;
  if (s.charCodeAt(at) === 0x3a) {
    const digits = runEnd(s, at + 1, isDigit);
    if (digits === at + 1 || digits - at - 1 > 5) return GIVE_UP;
    uri.port = parseInt(s.slice(at + 1, digits), 10);
    at = digits;
  }
  if (!withParams) return at;
  while (s.charCodeAt(at) === 0x3b) {
    uri.params ??= {};
    at = uriParamEnd(s, at + 1, uri.params);
    if (at < 0) return GIVE_UP;
  }
  return s.charCodeAt(at) === 0x3f ? GIVE_UP : at; // URI headers: left to the grammar
}

/** The URI the grammar builds from {@link uri}. */
export function makeUri(): URI {
  // The grammar passes an absent user as undefined too, whatever the constructor's type says.
  const params = uri.params as Record<string, string> | undefined;
  return new URI(uri.scheme, uri.user as string, uri.host, uri.port, params);
}

/** quoted-string at `i` (a `"`): its end after the closing quote, or GIVE_UP (folding, bare controls, unterminated). */
export function quotedEnd(s: string, i: number): number {
  for (let at = i + 1; at < s.length; at++) {
    const code = s.charCodeAt(at);
    if (code === 0x22) return at + 1;
    if (code === 0x5c) {
      const escaped = s.charCodeAt(++at);
      if (!(escaped <= 0x7f) || escaped === 0x0a || escaped === 0x0d) return GIVE_UP;
    } else if ((code < 0x20 && code !== 0x09) || code === 0x7f) return GIVE_UP;
  }
  return GIVE_UP;
}

/** gen-value = token / host / quoted-string (the token wins wherever it matches). */
function genValueEnd(s: string, i: number): number {
  const token = runEnd(s, i, isToken);
  if (token > i) return token;
  const code = s.charCodeAt(i);
  if (code === 0x22) return quotedEnd(s, i);
  return code === 0x5b ? ipv6ReferenceEnd(s, i) : GIVE_UP;
}

/**
 * name-addr at `i`: displayName? LAQUOT SIP_URI RAQUOT (RAQUOT takes the whitespace after
 * `>`). Fills {@link uri} and `header.displayName`.
 */
export function nameAddrEnd(s: string, i: number): number {
  let at = i;
  header.displayName = undefined;
  const first = s.charCodeAt(at);
  if (first === 0x22) {
    at = quotedEnd(s, at);
    if (at < 0) return GIVE_UP;
    header.displayName = s.slice(i + 1, at - 1);
  } else if (first !== 0x3c) {
    at = runEnd(s, at, isToken);
    if (at === i) return GIVE_UP;
    for (;;) {
      const next = skipWsp(s, at);
      if (next === at || !isToken(s.charCodeAt(next))) break;
      at = runEnd(s, next, isToken);
    }
    header.displayName = s.slice(i, at);
  }
  at = skipWsp(s, at);
  if (s.charCodeAt(at) !== 0x3c) return GIVE_UP;
  at = uriEnd(s, at + 1, true);
  if (at < 0 || s.charCodeAt(at) !== 0x3e) return GIVE_UP;
  return skipWsp(s, at + 1);
}

/** Which header's parameters: From/To take `tag` aside, Contact reads `q` and `expires` as numbers. */
export type ParamsKind = 'from' | 'contact' | 'route';

/** How the grammar's c_p_q / c_p_expires / tag_param would take this value: the value to store, or GIVE_UP when they would match only part of it. */
function specialValue(name: string, value: string, token: boolean, kind: ParamsKind): string | number | null {
  if (kind === 'contact' && name === 'q' && value.charCodeAt(0) === 0x30) {
    return /^0(\.\d{0,3})?$/.test(value) ? parseFloat(value) : GIVE_UP;
  }
  if (kind === 'contact' && name === 'expires' && isDigit(value.charCodeAt(0))) {
    return /^\d+$/.test(value) ? parseInt(value, 10) : GIVE_UP;
  }
  if (kind === 'from' && name === 'tag' && token) {
    header.tag = value;
    return null;
  }
  return value;
}

/** (SEMI param)* from `i`, into `header.params` / `header.tag`: the end of the last parameter (not the whitespace after it). */
export function paramsEnd(s: string, i: number, kind: ParamsKind): number {
  header.params = undefined;
  header.tag = undefined;
  let at = i;
  for (;;) {
    const semi = skipWsp(s, at);
    if (s.charCodeAt(semi) !== 0x3b) return at;
    const nameStart = skipWsp(s, semi + 1);
    const nameEnd = runEnd(s, nameStart, isToken);
    if (nameEnd === nameStart) return GIVE_UP;
    const name = lower(s, nameStart, nameEnd);
    if (name === '__proto__') return GIVE_UP;
    const equal = skipWsp(s, nameEnd);
    let value: string | number | undefined;
    at = nameEnd;
    if (s.charCodeAt(equal) === 0x3d) {
      const valueStart = skipWsp(s, equal + 1);
      at = genValueEnd(s, valueStart);
      if (at < 0) return GIVE_UP;
      const special = specialValue(name, s.slice(valueStart, at), isToken(s.charCodeAt(valueStart)), kind);
      if (special === GIVE_UP) return GIVE_UP;
      if (special === null) continue;
      value = special;
    }
    header.params ??= {};
    header.params[name] = value;
  }
}

/** The NameAddrHeader the grammar builds from {@link uri} and {@link header}. */
export function makeNameAddr(): NameAddrHeader {
  const made = new NameAddrHeader(makeUri(), header.displayName as string, header.params as Record<string, string>);
  if (header.tag) made.setParam('tag', header.tag);
  return made;
}
