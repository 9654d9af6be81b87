#!/usr/bin/env node
// Performance patch for sip.js 0.21.2 (run by scripts/setup.sh and the Dockerfile after
// npm install; idempotent). sip.js's generated PEG parser (lib/grammar/pegjs/dist/grammar.js)
// declares its 237-entry bytecode table *inside* peg$parse(), so every header it parses
// first re-decodes the whole grammar (String.split + map of every rule): measured at about
// half the CPU of a call in `make bench-sip`. The table is constant data, so this moves it to
// module scope, decoded once. Nothing else in the parser changes.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', 'node_modules', 'sip.js');
const file = join(root, 'lib', 'grammar', 'pegjs', 'dist', 'grammar.js');
const MARK = '// voicecast: peg$bytecode hoisted (scripts/patch-sip-js.cjs)';
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = readFileSync(file, 'utf8');
if (source.includes(MARK)) process.exit(0);

const start = source.indexOf('\n    const peg$bytecode = [\n');
const end = start < 0 ? -1 : source.indexOf('\n    ];\n', start);
const parseAt = source.indexOf('\nfunction peg$parse(input, options) {\n');
if (start < 0 || end < 0 || parseAt < 0 || parseAt > start) {
  console.error(
    `patch-sip-js: sip.js ${version} does not have the parser layout this patch knows (0.21.2);` +
      ' update or remove scripts/patch-sip-js.cjs.',
  );
  process.exit(1);
}
const table = source
  .slice(start + 1, end + '\n    ];'.length)
  .replace(/^ {4}/gm, '')
  .replaceAll('peg$decode(', 'peg$decodeOnce(');
const patched =
  source.slice(0, parseAt) +
  `\n${MARK}\nfunction peg$decodeOnce(s) {\n    return s.split("").map((ch) => ch.charCodeAt(0) - 32);\n}\n${table}` +
  source.slice(parseAt, start) +
  source.slice(end + '\n    ];'.length);
writeFileSync(file, patched);
console.log(`patch-sip-js: sip.js ${version} parser bytecode now decoded once`);
