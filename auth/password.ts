/**
 * argon2id password hashing with Node's built-in `crypto.argon2` (no native addon),
 * stored as a PHC string so parameters can be raised later without breaking old hashes.
 *
 * Parameters follow OWASP's first recommendation: m = 19 MiB, t = 2, p = 1.
 */
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';

interface Argon2Params {
  readonly memory: number;
  readonly passes: number;
  readonly parallelism: number;
}

const DEFAULT_PARAMS: Argon2Params = { memory: 19_456, passes: 2, parallelism: 1 };
const TAG_LENGTH = 32;
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, params: Argon2Params, tagLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2('argon2id', { message: password, nonce: salt, tagLength, ...params }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

const b64 = (buf: Buffer): string => buf.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params: Argon2Params = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const tag = await derive(password, salt, params, TAG_LENGTH);
  return `$argon2id$v=19$m=${params.memory},t=${params.passes},p=${params.parallelism}$${b64(salt)}$${b64(tag)}`;
}

/** Constant-time check of `password` against a PHC string; false for a malformed hash. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const match = PHC.exec(phc);
  if (!match) return false;
  const [, m, t, p, salt, tag] = match as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(tag, 'base64');
  const actual = await derive(
    password,
    Buffer.from(salt, 'base64'),
    { memory: Number(m), passes: Number(t), parallelism: Number(p) },
    expected.length,
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for unknown or disabled users, so response
 * times do not tell which usernames exist.
 */
export async function burnVerification(password: string): Promise<false> {
  dummyHash ??= hashPassword('voicecast-dummy-password');
  await verifyPassword(password, await dummyHash);
  return false;
}
