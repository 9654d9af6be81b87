#!/usr/bin/env node
// Patches for sip.js 0.21.2 (run by scripts/setup.sh and the Dockerfile after npm install;
// idempotent, each patch marked in the file it changes). 1-3 are for speed, and nothing they
// change is visible to callers; 4-5 are for security (review F4):
// 1. sip.js's generated PEG parser (lib/grammar/pegjs/dist/grammar.js) declares its 237-entry
//    bytecode table *inside* peg$parse(), so every header it parses first re-decodes the
//    whole grammar (String.split + map of every rule): measured at about half the CPU of a
//    call in `make bench-sip`. The table is constant data, so it moves to module scope,
//    decoded once. (Most headers no longer reach this parser at all: see
//    telephony/sip/fast-grammar.ts.)
// 2. `headerize` (lib/core/messages/utils.js) rebuilds a header name's canonical spelling
//    with toLowerCase/replace/split on every header get/set/has — several hundred times per
//    call, about 4 % of its CPU. It is a pure function of the name, so it remembers the
//    answers (for the first 512 names: names come from the network).
// 3. `utf8Length` (same file) measures a body's UTF-8 length as
//    `encodeURIComponent(str).replace(/%[A-F\d]{2}/g, "U").length`: two copies of every body
//    sent and received, 2 % of a call's CPU. It now counts the UTF-8 bytes of each UTF-16
//    unit without copying (a lone surrogate, which made encodeURIComponent throw, counts as
//    the 3 bytes of U+FFFD that Node's encoder writes for it).
// 4. Branch ids were `"z9hG4bK" + Math.floor(Math.random() * 1e7)`: 23 bits from V8's
//    xorshift128+, whose state a peer can recover from a few of our tags and Call-IDs; an
//    off-path attacker could then forge a final response to any call. Every branch (client
//    transactions, and the ACK to a 2xx) is now 96 bits from crypto.randomBytes.
// 5. `createRandomToken` (Call-IDs, tags, cnonces, ...) used Math.random too: it now draws from
//    crypto.randomBytes, same alphabet and length (the 5-character sipjsId prefix of Call-IDs
//    is compared by length). Tags grow from 10 to 16 characters (80 bits) and cnonces from 12
//    to 16; Call-IDs keep their 15 random characters (75 bits).
// Files are replaced (write + rename), never written in place: node_modules may be a
// hard-linked copy sharing its files with other checkouts.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', 'node_modules', 'sip.js');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Moves the bytecode table out of peg$parse(); undefined if the layout is not the known one. */
function hoistBytecode(source, mark) {
  const start = source.indexOf('\n    const peg$bytecode = [\n');
  const end = start < 0 ? -1 : source.indexOf('\n    ];\n', start);
  const parseAt = source.indexOf('\nfunction peg$parse(input, options) {\n');
  if (start < 0 || end < 0 || parseAt < 0 || parseAt > start) return undefined;
  const table = source
    .slice(start + 1, end + '\n    ];'.length)
    .replace(/^ {4}/gm, '')
    .replaceAll('peg$decode(', 'peg$decodeOnce(');
  return (
    source.slice(0, parseAt) +
    `\n${mark}\nfunction peg$decodeOnce(s) {\n    return s.split("").map((ch) => ch.charCodeAt(0) - 32);\n}\n${table}` +
    source.slice(parseAt, start) +
    source.slice(end + '\n    ];'.length)
  );
}

/** Puts a bounded memo in front of headerize(); undefined if the function is not where expected. */
function memoiseHeaderize(source, mark) {
  const head = '\nexport function headerize(str) {\n';
  if (source.indexOf(head) < 0) return undefined;
  return source.replace(
    head,
    `\n${mark}\nconst voicecastHeaderized = new Map();\n` +
      'export function headerize(str) {\n' +
      '    const known = voicecastHeaderized.get(str);\n' +
      '    if (known !== undefined) return known;\n' +
      '    const name = headerizeUncached(str);\n' +
      '    if (voicecastHeaderized.size < 512) voicecastHeaderized.set(str, name);\n' +
      '    return name;\n' +
      '}\n' +
      'function headerizeUncached(str) {\n',
  );
}

/** Replaces utf8Length()'s body; undefined if it is not the known one-liner. */
function countUtf8Length(source, mark) {
  const known =
    '\nexport function utf8Length(str) {\n    return encodeURIComponent(str).replace(/%[A-F\\d]{2}/g, "U").length;\n}\n';
  if (source.indexOf(known) < 0) return undefined;
  return source.replace(
    known,
    `\n${mark}\n` +
      'export function utf8Length(str) {\n' +
      '    let length = str.length;\n' +
      '    for (let i = 0; i < str.length; i++) {\n' +
      '        const c = str.charCodeAt(i);\n' +
      '        if (c < 0x80) continue;\n' +
      '        if (c < 0x800) { length += 1; continue; }\n' +
      '        length += 2; // 3 bytes; or a surrogate pair: 4 bytes for its two units\n' +
      '        if (c >= 0xd800 && c <= 0xdbff && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;\n' +
      '    }\n' +
      '    return length;\n' +
      '}\n',
  );
}

/** Replaces the Math.random branch of client transactions with a 96-bit crypto one; undefined if not found. */
function cryptoBranch(source, mark) {
  const weak = '"z9hG4bK" + Math.floor(Math.random() * 10000000)';
  if (source.indexOf(weak) < 0) return undefined;
  return (
    `${mark}\nimport { randomBytes as voicecastRandomBytes } from "node:crypto";\n` +
    source.replaceAll(weak, '"z9hG4bK" + voicecastRandomBytes(12).toString("hex")')
  );
}

/** createRandomToken from crypto.randomBytes, and longer tags; undefined if the known code is not there. */
function cryptoTokens(source, mark) {
  const token = '        const r = Math.floor(Math.random() * base);\n';
  const tag = '\nexport function newTag() {\n    return createRandomToken(10);\n}\n';
  if (source.indexOf(token) < 0 || source.indexOf(tag) < 0) return undefined;
  return (
    `${mark}\nimport { randomBytes as voicecastRandomBytes, randomInt as voicecastRandomInt } from "node:crypto";\n` +
    source
      .replace(
        '    let token = "";\n',
        '    let token = "";\n    const bytes = 256 % base === 0 ? voicecastRandomBytes(size) : undefined;\n',
      )
      .replace(token, '        const r = bytes ? bytes[i] % base : voicecastRandomInt(base);\n')
      .replace(tag, '\nexport function newTag() {\n    return createRandomToken(16);\n}\n')
  );
}

/** A 16-character (80-bit) cnonce; undefined if the known line is not there. */
function longerCnonce(source, mark) {
  const known = '        this.cnonce = createRandomToken(12);\n';
  if (source.indexOf(known) < 0) return undefined;
  return source.replace(known, `        ${mark}\n        this.cnonce = createRandomToken(16);\n`);
}

const PATCHES = [
  {
    file: join('lib', 'grammar', 'pegjs', 'dist', 'grammar.js'),
    mark: '// voicecast: peg$bytecode hoisted (scripts/patch-sip-js.cjs)',
    apply: hoistBytecode,
    done: 'parser bytecode now decoded once',
  },
  {
    file: join('lib', 'core', 'messages', 'utils.js'),
    mark: '// voicecast: headerize memoised (scripts/patch-sip-js.cjs)',
    apply: memoiseHeaderize,
    done: 'headerize memoised',
  },
  {
    file: join('lib', 'core', 'messages', 'utils.js'),
    mark: '// voicecast: utf8Length counts without copying (scripts/patch-sip-js.cjs)',
    apply: countUtf8Length,
    done: 'utf8Length counts without copying',
  },
  {
    file: join('lib', 'core', 'transactions', 'client-transaction.js'),
    mark: '// voicecast: crypto branch ids (scripts/patch-sip-js.cjs)',
    apply: cryptoBranch,
    done: 'client transaction branches from crypto.randomBytes',
  },
  {
    file: join('lib', 'core', 'transactions', 'invite-client-transaction.js'),
    mark: '// voicecast: crypto branch ids (scripts/patch-sip-js.cjs)',
    apply: cryptoBranch,
    done: 'ACK branches from crypto.randomBytes',
  },
  {
    file: join('lib', 'core', 'messages', 'utils.js'),
    mark: '// voicecast: crypto tokens (scripts/patch-sip-js.cjs)',
    apply: cryptoTokens,
    done: 'tokens from crypto.randomBytes, 16-character tags',
  },
  {
    file: join('lib', 'core', 'messages', 'digest-authentication.js'),
    mark: '// voicecast: 16-character cnonce (scripts/patch-sip-js.cjs)',
    apply: longerCnonce,
    done: '16-character cnonces',
  },
];

for (const { file, mark, apply, done } of PATCHES) {
  const path = join(root, file);
  const source = readFileSync(path, 'utf8');
  if (source.includes(mark)) continue;
  const patched = apply(source, mark);
  if (patched === undefined) {
    console.error(
      `patch-sip-js: sip.js ${version} does not have the layout this patch knows in ${file} (0.21.2);` +
        ' update or remove scripts/patch-sip-js.cjs.',
    );
    process.exit(1);
  }
  const temporary = `${path}.voicecast-${process.pid}`;
  writeFileSync(temporary, patched);
  renameSync(temporary, path);
  console.log(`patch-sip-js: sip.js ${version} ${done}`);
}
