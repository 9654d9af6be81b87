/**
 * SIP torture messages from RFC 4475 (§3.1.1 valid, §3.1.2 invalid), kept as files in
 * `fixtures/rfc4475/` written from the RFC's text (line ends there are CRLF on the wire),
 * plus `hugehdr`, a 60,000-character header of our own. Test-only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, 'fixtures', 'rfc4475');

/** What a server must do with each (RFC 4475 §3.1.2: invalid ones are refused, here with 400, or 513 for the size). */
export const RFC4475_EXPECTED: Readonly<Record<string, 'valid' | 400 | 513>> = {
  wsinv: 'valid',
  esc01: 'valid',
  esc02: 'valid',
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  quotbal: 400,
  ltgtruri: 400,
  lwsstart: 400,
  trws: 400,
  badvers: 400,
  mismatch01: 400,
  hugehdr: 513,
};

/** Every fixture by name, as it goes on the wire. */
export function rfc4475Messages(): Map<string, string> {
  const messages = new Map<string, string>();
  for (const file of readdirSync(DIR)
    .filter((name) => name.endsWith('.sip'))
    .sort()) {
    messages.set(file.slice(0, -4), readFileSync(join(DIR, file), 'utf8').replace(/\r?\n/g, '\r\n'));
  }
  return messages;
}
