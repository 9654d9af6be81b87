/**
 * Differential test of the hand-written SIP parser against sip.js's own PEG grammar: over
 * our captured traffic, RFC 4475-style torture messages, header cases and thousands of
 * seeded mutations of all of them, whatever the fast parser answers must be identical to the
 * grammar's result (classes, fields, field order, undefined and NaN included), and whole
 * messages must parse to identical IncomingMessage objects (or be rejected alike).
 */
import { Core } from 'sip.js';
import { fastParse, grammarParse, installFastGrammar } from './fast-grammar.js';
import { capturedMessages, HEADER_CASES, TORTURE_MESSAGES } from './fast-grammar-test-corpus.js';
import { mulberry32 } from './test-support.js';

/** A parse result as canonical JSON: class names, own keys in their order, undefined and NaN spelled out. */
function shape(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (v === undefined) return '<undefined>';
    if (typeof v === 'number' && !Number.isFinite(v)) return `<${String(v)}>`;
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(canon);
    const out: Record<string, unknown> = { '<class>': v.constructor?.name ?? '<none>' };
    for (const [key, inner] of Object.entries(v)) out[key] = canon(inner);
    return out;
  };
  return JSON.stringify(canon(value));
}

const RULE_OF_HEADER: Readonly<Record<string, string>> = {
  via: 'Via',
  v: 'Via',
  from: 'From',
  f: 'From',
  to: 'To',
  t: 'To',
  'call-id': 'Call_ID',
  i: 'Call_ID',
  cseq: 'CSeq',
  contact: 'Contact',
  m: 'Contact',
  'record-route': 'Record_Route',
  'content-length': 'Content_Length',
  l: 'Content_Length',
  'max-forwards': 'Max_Forwards',
  'content-type': 'Content_Type',
  c: 'Content_Type',
};
const ALL_RULES = [...new Set([...Object.values(RULE_OF_HEADER), 'Request_Response', 'SIP_URI'])];

/** The start line and every known header of a message, split as sip.js's Parser splits them. */
function rulesAndValues(data: string): [rule: string, value: string][] {
  let end = data.indexOf('\r\n');
  const found: [string, string][] = [['Request_Response', data.slice(0, end)]];
  for (let start = end + 2; (end = Core.Parser.getHeader(data, start)) >= 0; start = end + 2) {
    const line = data.slice(start, end);
    const colon = line.indexOf(':');
    const rule = RULE_OF_HEADER[line.slice(0, colon).trim().toLowerCase()];
    if (rule) found.push([rule, line.slice(colon + 1).trim()]);
  }
  return found;
}

const MESSAGES = [...capturedMessages(), ...TORTURE_MESSAGES];
const CORPUS: [string, string][] = [
  ...MESSAGES.flatMap(rulesAndValues),
  ...Object.entries(HEADER_CASES).flatMap(([rule, values]) => values.map((v): [string, string] => [rule, v])),
];

/** Where the fast parser answered and disagreed with the grammar, for one value under every rule. */
function disagreements(value: string, rules: readonly string[]): string[] {
  const found: string[] = [];
  for (const rule of rules) {
    const fast = fastParse(value, rule);
    if (fast === undefined) continue;
    const expected = shape(grammarParse(value, rule));
    if (shape(fast) !== expected)
      found.push(`${rule} ${JSON.stringify(value)}\n  fast:    ${shape(fast)}\n  grammar: ${expected}`);
  }
  return found;
}

const ALPHABET = [
  ...' \t;,=:@<>"\\%[]./?&aZ09-_*+!~\'()`#{}|^$é\u0000\u007f',
  '\r\n ',
  '::',
  'sip:',
  'tag=',
  'lr',
  '0.5',
];

function mutate(value: string, next: () => number): string {
  let out = value;
  const edits = 1 + Math.floor(next() * 3);
  for (let n = 0; n < edits; n++) {
    const at = Math.floor(next() * (out.length + 1));
    const piece = ALPHABET[Math.floor(next() * ALPHABET.length)];
    switch (Math.floor(next() * 5)) {
      case 0:
        out = out.slice(0, at) + piece + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1);
        break;
      case 2:
        out = out.slice(0, at) + piece + out.slice(at + 1);
        break;
      case 3:
        out = out.slice(0, at) + out.slice(Math.floor(next() * out.length));
        break;
      default:
        out = out.slice(0, at) + (out[at] ?? '').toUpperCase() + out.slice(at + 1);
    }
  }
  return out;
}

const logger = { error: () => undefined, warn: () => undefined, log: () => undefined, debug: () => undefined };

function parseMessage(data: string, fast: boolean): string {
  installFastGrammar(fast);
  try {
    return shape(Core.Parser.parseMessage(data, logger as unknown as Core.Logger));
  } catch (err) {
    // sip.js itself throws on some malformed messages (a response without a valid CSeq): alike is what counts.
    return `throws ${String(err)}`;
  } finally {
    installFastGrammar(false);
  }
}

describe('fast SIP parser against sip.js grammar', () => {
  it('gives the grammar’s result for every corpus value it answers, under every rule', () => {
    expect(CORPUS.flatMap(([, value]) => disagreements(value, ALL_RULES))).toEqual([]);
  });

  it('answers every header of our captured traffic itself (no grammar on the hot path)', () => {
    const unanswered = capturedMessages()
      .flatMap(rulesAndValues)
      .filter(([rule, value]) => fastParse(value, rule) === undefined);
    expect(unanswered).toEqual([]);
  });

  it('parses every corpus message to the same IncomingMessage, or rejects it alike', () => {
    const differing = MESSAGES.filter((data) => parseMessage(data, true) !== parseMessage(data, false));
    expect(differing).toEqual([]);
  });

  it('agrees with the grammar on seeded mutations of the corpus', () => {
    const next = mulberry32(20261201);
    let answered = 0;
    const found: string[] = [];
    for (const [rule, value] of CORPUS) {
      for (let n = 0; n < 60; n++) {
        const mutated = mutate(value, next);
        if (fastParse(mutated, rule) !== undefined) answered += 1;
        found.push(...disagreements(mutated, n % 6 === 0 ? ALL_RULES : [rule]));
      }
    }
    expect(found.slice(0, 10)).toEqual([]);
    // The comparison means something only if the fast parser answered a good share itself.
    expect(answered).toBeGreaterThan(CORPUS.length * 10);
  });

  it('parses mutated whole messages to the same IncomingMessage, or rejects them alike', () => {
    const next = mulberry32(4475);
    const differing: string[] = [];
    for (const data of MESSAGES) {
      for (let n = 0; n < 40; n++) {
        const mutated = mutate(data, next);
        if (parseMessage(mutated, true) !== parseMessage(mutated, false)) differing.push(mutated);
      }
    }
    expect(differing.slice(0, 5)).toEqual([]);
  });
});
