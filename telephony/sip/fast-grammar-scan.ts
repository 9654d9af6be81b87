/**
 * Character classes and host scanners for the hand-written SIP parser (fast-grammar.ts).
 *
 * Every scanner here mirrors one rule of sip.js's PEG grammar (sip.js 0.21.2,
 * src/grammar/pegjs/src/grammar.pegjs) *including its PEG quirks*: ordered choice commits to
 * the first alternative that matches, repetitions are greedy and never give back. So
 * `host.com.` is not a hostname there (the label loop eats `com.` and no top label is left),
 * and `256` is not an IPv4 octet. A scanner returns the end index of its match, or -1 when the
 * rule does not match at that position; it never throws and allocates nothing.
 */

/** Bit flags per ASCII code; characters >= 128 are in no class. */
const C = {
  Alnum: 1 << 0,
  /** token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
  Token: 1 << 1,
  /** user (RFC 3261 userinfo) without `%` escapes: unreserved / user-unreserved */
  User: 1 << 2,
  /** password without `%`: unreserved / "&" / "=" / "+" / "$" / "," */
  Password: 1 << 3,
  /** URI paramchar without `%`: param-unreserved / unreserved */
  ParamChar: 1 << 4,
  /** Call-ID word */
  Word: 1 << 5,
  /** Reason-Phrase, ASCII part without `%`: reserved / unreserved / SP / HTAB */
  Reason: 1 << 6,
  Hex: 1 << 7,
  Digit: 1 << 8,
  /** domainlabel: [a-zA-Z0-9_-] */
  DomainLabel: 1 << 9,
  /** toplabel after its first letter: [a-zA-Z0-9-] */
  TopLabel: 1 << 10,
  Alpha: 1 << 11,
} as const;

const TABLE = new Uint16Array(128);
function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) TABLE[chars.charCodeAt(i)] |= flag;
}
const DIGITS = '0123456789';
const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = DIGITS + ALPHA;
const MARK = "-_.!~*'()";
const UNRESERVED = ALNUM + MARK;
mark(DIGITS, C.Digit | C.Hex);
mark('abcdefABCDEF', C.Hex);
mark(ALPHA, C.Alpha);
mark(ALNUM, C.Alnum | C.DomainLabel | C.TopLabel);
mark('-_', C.DomainLabel);
mark('-', C.TopLabel);
mark(ALNUM + "-.!%*_+`'~", C.Token);
mark(UNRESERVED + '&=+$,;?/', C.User);
mark(UNRESERVED + '&=+$,', C.Password);
mark(UNRESERVED + '[]/:&+$', C.ParamChar);
mark(ALNUM + '-.!%*_+`\'~()<>:\\"/[]?{}', C.Word);
mark(UNRESERVED + ';/?:@&=+$, \t', C.Reason);

function has(code: number, flag: number): boolean {
  return code < 128 && (TABLE[code] & flag) !== 0;
}

export const isToken = (code: number): boolean => has(code, C.Token);
export const isUserChar = (code: number): boolean => has(code, C.User);
export const isPasswordChar = (code: number): boolean => has(code, C.Password);
export const isParamChar = (code: number): boolean => has(code, C.ParamChar);
export const isWordChar = (code: number): boolean => has(code, C.Word);
export const isDigit = (code: number): boolean => has(code, C.Digit);
/** Reason-Phrase character the grammar takes (UTF8-NONASCII included), `%` excepted (its escapes are left to the grammar). */
export const isReasonChar = (code: number): boolean => code >= 0x80 || has(code, C.Reason);

/** End of the run of characters of one class from `i` (== i when there is none). */
export function runEnd(s: string, i: number, test: (code: number) => boolean): number {
  while (i < s.length && test(s.charCodeAt(i))) i++;
  return i;
}

/** SWS without line folding: spaces and tabs (a CR or LF makes the caller give up). */
export function skipWsp(s: string, i: number): number {
  let code = s.charCodeAt(i);
  while (code === 0x20 || code === 0x09) code = s.charCodeAt(++i);
  return i;
}

/** What the last successful {@link hostEnd} matched, as the grammar's `host_type`. */
export let lastHostType: 'domain' | 'IPv4' | 'IPv6' = 'domain';

/** host = hostname / IPv4address / IPv6reference (in that order). */
export function hostEnd(s: string, i: number): number {
  let end = hostnameEnd(s, i);
  if (end >= 0) {
    lastHostType = 'domain';
    return end;
  }
  end = ipv4End(s, i);
  if (end >= 0) {
    lastHostType = 'IPv4';
    return end;
  }
  end = ipv6ReferenceEnd(s, i);
  if (end >= 0) lastHostType = 'IPv6';
  return end;
}

/** hostname = ( domainlabel "." )* toplabel "."? */
function hostnameEnd(s: string, i: number): number {
  let at = i;
  for (;;) {
    let j = at;
    while (j < s.length && has(s.charCodeAt(j), C.DomainLabel)) j++;
    if (j > at && s.charCodeAt(j) === 0x2e) at = j + 1;
    else break;
  }
  if (!has(s.charCodeAt(at), C.Alpha)) return -1;
  let j = at + 1;
  while (j < s.length && has(s.charCodeAt(j), C.TopLabel)) j++;
  return s.charCodeAt(j) === 0x2e ? j + 1 : j;
}

const digitAt = (s: string, i: number): boolean => has(s.charCodeAt(i), C.Digit);

/** dec-octet as the grammar orders it: "25"[0-5] / "2"[0-4]DIGIT / "1"DIGIT DIGIT / [1-9]DIGIT / DIGIT. */
function decOctetEnd(s: string, i: number): number {
  const c0 = s.charCodeAt(i);
  const c1 = s.charCodeAt(i + 1);
  if (c0 === 0x32 && c1 === 0x35 && s.charCodeAt(i + 2) >= 0x30 && s.charCodeAt(i + 2) <= 0x35) return i + 3;
  if (c0 === 0x32 && c1 >= 0x30 && c1 <= 0x34 && digitAt(s, i + 2)) return i + 3;
  if (c0 === 0x31 && digitAt(s, i + 1) && digitAt(s, i + 2)) return i + 3;
  if (c0 >= 0x31 && c0 <= 0x39 && digitAt(s, i + 1)) return i + 2;
  return digitAt(s, i) ? i + 1 : -1;
}

/** IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet */
export function ipv4End(s: string, i: number): number {
  let at = decOctetEnd(s, i);
  for (let n = 0; n < 3 && at >= 0; n++) {
    at = s.charCodeAt(at) === 0x2e ? decOctetEnd(s, at + 1) : -1;
  }
  return at;
}

/** h16 = 1 to 4 HEXDIG, greedy. */
function h16End(s: string, i: number): number {
  let j = i;
  while (j < i + 4 && has(s.charCodeAt(j), C.Hex)) j++;
  return j > i ? j : -1;
}

/** ls32 = ( h16 ":" h16 ) / IPv4address */
function ls32End(s: string, i: number): number {
  const a = h16End(s, i);
  if (a >= 0 && s.charCodeAt(a) === 0x3a) {
    const b = h16End(s, a + 1);
    if (b >= 0) return b;
  }
  return ipv4End(s, i);
}

// The grammar's IPv6address alternatives, in its order: h = h16, c = ":", d = "::",
// l = ls32, o = an optional (":" h16).
const IPV6_ALTERNATIVES = [
  'hchchchchchcl',
  'dhchchchchcl',
  'dhchchchcl',
  'dhchchcl',
  'dhchcl',
  'dhcl',
  'dl',
  'dh',
  'hdhchchchcl',
  'hodhchchcl',
  'hoodhchcl',
  'hooodhcl',
  'hoooodl',
  'hooooodh',
  'hooooood',
];

function ipv6StepsEnd(s: string, i: number, steps: string): number {
  let at = i;
  for (let k = 0; k < steps.length && at >= 0; k++) {
    switch (steps.charCodeAt(k)) {
      case 0x68: // h
        at = h16End(s, at);
        break;
      case 0x63: // c
        at = s.charCodeAt(at) === 0x3a ? at + 1 : -1;
        break;
      case 0x64: // d
        at = s.charCodeAt(at) === 0x3a && s.charCodeAt(at + 1) === 0x3a ? at + 2 : -1;
        break;
      case 0x6c: // l
        at = ls32End(s, at);
        break;
      default: {
        // o: (":" h16)? — taken only when both match
        const h = s.charCodeAt(at) === 0x3a ? h16End(s, at + 1) : -1;
        if (h >= 0) at = h;
      }
    }
  }
  return at;
}

/** IPv6address: the first alternative that matches wins, as in the grammar. */
export function ipv6End(s: string, i: number): number {
  for (const steps of IPV6_ALTERNATIVES) {
    const end = ipv6StepsEnd(s, i, steps);
    if (end >= 0) return end;
  }
  return -1;
}

/** IPv6reference = "[" IPv6address "]" */
export function ipv6ReferenceEnd(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x5b) return -1;
  const end = ipv6End(s, i + 1);
  return end >= 0 && s.charCodeAt(end) === 0x5d ? end + 1 : -1;
}

/** The Method rule's literals: a longer token starting with one of them fails the grammar (it commits to the literal). */
const METHOD_LITERALS = [
  'INVITE',
  'ACK',
  'OPTIONS',
  'BYE',
  'CANCEL',
  'REGISTER',
  'SUBSCRIBE',
  'PUBLISH',
  'NOTIFY',
  'REFER',
  'UPDATE',
];

/** End of a Method (a token) at `i`, or -1 where the grammar would not take it. */
export function methodEnd(s: string, i: number): number {
  const end = runEnd(s, i, isToken);
  if (end === i) return -1;
  for (const literal of METHOD_LITERALS) {
    if (s.startsWith(literal, i)) return i + literal.length === end ? end : -1;
  }
  return end;
}
