/**
 * scripts/patch-sip-js.cjs changes sip.js in node_modules for speed (each patched function
 * must answer exactly as before: here as Node's own UTF-8 encoder and as the unpatched
 * headerize rules say) and for security (review F4: branches, tags, Call-IDs and cnonces
 * that an off-path attacker cannot guess or predict).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientTransaction } from 'sip.js/lib/core/transactions/client-transaction.js';
import { createRandomToken, headerize, newTag, utf8Length } from 'sip.js/lib/core/messages/utils.js';
import { DigestAuthentication } from 'sip.js/lib/core/messages/digest-authentication.js';
import { OutgoingRequestMessage } from 'sip.js/lib/core/messages/outgoing-request-message.js';
import { LoggerFactory } from 'sip.js/lib/core/log/logger-factory.js';
import { URI } from 'sip.js/lib/grammar/uri.js';

const utilsSource = () =>
  readFileSync(join(__dirname, '..', '..', 'node_modules', 'sip.js', 'lib', 'core', 'messages', 'utils.js'), 'utf8');

test('the patches are applied (make setup runs the script)', () => {
  expect(utilsSource()).toContain('// voicecast: utf8Length counts without copying');
  expect(utilsSource()).toContain('// voicecast: headerize memoised');
  expect(utilsSource()).toContain('// voicecast: crypto tokens');
  expect(utilsSource()).not.toContain('Math.random');
});

/** Bits of entropy a token of `length` characters from an alphabet of `base` carries. */
const bits = (length: number, base: number) => length * Math.log2(base);

describe('identifiers an attacker must not guess (F4)', () => {
  const request = { method: 'INVITE' } as unknown as OutgoingRequestMessage;
  const makeId = (request: OutgoingRequestMessage) =>
    (ClientTransaction as unknown as { makeId(this: void, request: OutgoingRequestMessage): string }).makeId(request);

  it('1,000 branches are unique, at least 64 bits, and none is of the old z9hG4bK<0..9999999> form', () => {
    const branches = Array.from({ length: 1000 }, () => makeId(request));
    expect(new Set(branches).size).toBe(1000);
    for (const branch of branches) {
      expect(branch).toMatch(/^z9hG4bK[0-9a-f]{24}$/); // 96 bits
      expect(branch).not.toMatch(/^z9hG4bK\d{1,7}$/);
    }
    // Hex digits spread evenly: not a counter or a timestamp in disguise.
    const counts = new Map<string, number>();
    for (const c of branches.map((b) => b.slice(7)).join('')) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(n).toBeGreaterThan(1200); // 24,000 digits / 16 = 1,500 each
  });

  it('tags, Call-IDs and cnonces carry at least 64 random bits and do not repeat', () => {
    const tags = Array.from({ length: 1000 }, () => newTag());
    expect(new Set(tags).size).toBe(1000);
    expect(bits(tags[0].length, 32)).toBeGreaterThanOrEqual(64);
    expect(createRandomToken(5)).toHaveLength(5); // the Call-ID prefix sip.js compares by length

    const uri = new URI('sip', 'alice', 'example.com');
    const callId = (prefix: string) =>
      new OutgoingRequestMessage('OPTIONS', uri, uri, uri, { callIdPrefix: prefix }).callId;
    const callIds = Array.from({ length: 1000 }, () => callId('abcde'));
    expect(new Set(callIds).size).toBe(1000);
    expect(bits(callIds[0].length - 'abcde'.length, 32)).toBeGreaterThanOrEqual(64);

    const digest = new DigestAuthentication(new LoggerFactory(), undefined, 'alice', 'pw');
    const invite = new OutgoingRequestMessage('INVITE', uri, uri, uri);
    const cnonces = Array.from({ length: 200 }, () => {
      expect(digest.authenticate(invite, { realm: 'r', nonce: 'n', qop: 'auth', algorithm: 'MD5' })).toBe(true);
      return (digest as unknown as { cnonce: string }).cnonce;
    });
    expect(new Set(cnonces).size).toBe(200);
    expect(bits(cnonces[0].length, 32)).toBeGreaterThanOrEqual(64);
  });
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
