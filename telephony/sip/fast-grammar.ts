/**
 * A hand-written parser in front of sip.js's PEG grammar, for what sip.js parses on every
 * SIP message: the start line, Via, From, To, Call-ID, CSeq, Contact, Record-Route,
 * Content-Length, Content-Type and Max-Forwards (and SIP URIs, which `Inviter` parses for
 * every call). sip.js's generated parser interprets bytecode for every header and was about
 * 40 % of our CPU per call in `make bench-sip`.
 *
 * How it plugs in: sip.js's `Parser.parseMessage` and `IncomingMessage.parseHeader` call
 * `Grammar.parse(value, rule)` through the exported `Grammar` namespace object, so
 * {@link installFastGrammar} replaces that one property — sip.js's files stay as shipped.
 * Contract: for a rule it knows, {@link fastParse} returns exactly what the grammar returns
 * (same classes, fields and field order; checked against the grammar over a corpus and
 * mutations of it in fast-grammar.diff.test.ts) or `undefined` for anything it is not
 * certain of — unusual syntax, escapes, folded lines, anything malformed — and the grammar
 * parses it as before. So it never rejects input itself, and what the grammar rejects is
 * still rejected the same way.
 */
import { Grammar } from 'sip.js';
import {
  parseAddressList,
  parseCallId,
  parseContentType,
  parseCSeq,
  parseDigits,
  parseFromTo,
  parseSipUri,
  parseStartLine,
  parseVia,
} from './fast-grammar-headers.js';

type Parse = (input: string, startRule: string) => unknown;

const RULES: Readonly<Record<string, (value: string) => unknown>> = {
  Request_Response: parseStartLine,
  Via: parseVia,
  From: parseFromTo,
  To: parseFromTo,
  Call_ID: parseCallId,
  CSeq: parseCSeq,
  Contact: (value) => (value.charCodeAt(0) === 0x2a ? undefined : parseAddressList(value, 'contact')),
  Record_Route: (value) => parseAddressList(value, 'route'),
  Content_Length: parseDigits,
  Max_Forwards: parseDigits,
  Content_Type: parseContentType,
  SIP_URI: parseSipUri,
};

/**
 * What the grammar would return for `input` under `startRule`, or `undefined` when this
 * parser does not handle the rule or is not certain of the input (the caller then asks the
 * grammar). Never throws.
 */
export function fastParse(input: string, startRule: string): unknown {
  const rule = Object.hasOwn(RULES, startRule) ? RULES[startRule] : undefined;
  if (rule === undefined || typeof input !== 'string') return undefined;
  try {
    return rule(input);
  } catch {
    return undefined; // a bug here must not cost a message: the grammar decides
  }
}

const grammar = Grammar as unknown as { parse: Parse };
/** sip.js's own `Grammar.parse`, kept before any replacement. */
export const grammarParse: Parse = grammar.parse;

function parseFastFirst(input: string, startRule: string): unknown {
  const result = fastParse(input, startRule);
  return result === undefined ? grammarParse(input, startRule) : result;
}

/**
 * Puts {@link fastParse} in front of sip.js's grammar for the whole process (idempotent);
 * `false` restores the grammar alone (for benchmarks and tests comparing the two).
 */
export function installFastGrammar(enabled = true): void {
  grammar.parse = enabled ? parseFastFirst : grammarParse;
}
