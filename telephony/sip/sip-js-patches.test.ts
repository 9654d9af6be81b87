/**
 * scripts/patch-sip-js.cjs changes sip.js in node_modules for speed only: each patched
 * function must answer exactly as before (here: as Node's own UTF-8 encoder and as the
 * unpatched headerize rules say).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { headerize, utf8Length } from 'sip.js/lib/core/messages/utils.js';

const utilsSource = () =>
  readFileSync(join(__dirname, '..', '..', 'node_modules', 'sip.js', 'lib', 'core', 'messages', 'utils.js'), 'utf8');

test('the patches are applied (make setup runs the script)', () => {
  expect(utilsSource()).toContain('// voicecast: utf8Length counts without copying');
  expect(utilsSource()).toContain('// voicecast: headerize memoised');
});

test('utf8Length counts what Buffer.byteLength counts, surrogate pairs and lone surrogates included', () => {
  const strings = ['', 'v=0\r\n', 'é', '€', '😀', 'a😀b€é\u0000', '\ud800', '\ud800x', 'x\udc00', '\ud83d\ude00\ud83d'];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i += 1) {
    const units = Array.from({ length: Math.floor(random() * 24) }, () =>
      random() < 0.5 ? Math.floor(random() * 128) : Math.floor(random() * 0x10000),
    );
    strings.push(String.fromCharCode(...units));
  }
  for (const text of strings) expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
});

test('headerize gives the canonical spelling, the same the second time (memoised)', () => {
  for (let round = 0; round < 2; round += 1) {
    expect(headerize('call-id')).toBe('Call-ID');
    expect(headerize('CSEQ')).toBe('CSeq');
    expect(headerize('www-authenticate')).toBe('WWW-Authenticate');
    expect(headerize('x-custom-header')).toBe('X-Custom-Header');
  }
});
