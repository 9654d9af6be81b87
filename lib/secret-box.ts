/**
 * Secrets at rest (trunk passwords, webhook secrets, the API's keys): AES-256-GCM with a fresh random 96-bit IV per
 * encryption, sealed into one self-describing string
 *
 *   v1.<kid>.<iv>.<tag>.<ciphertext>        (iv, tag and ciphertext base64url)
 *
 * so the key that encrypted a value is known when it is read back. The keys come from
 * configuration (`ENCRYPTION_KEYS`): the first encrypts, every one of them decrypts, so a
 * key is rotated by putting a new one first and re-sealing every value
 * ({@link SecretBox.isCurrent} says which need it; `make reseal-keys`, db/sealed-values.ts);
 * the old key can go once nothing uses it.
 *
 * Every value is sealed for a context (e.g. `sip_trunk:<id>:password`) passed as GCM
 * associated data: a ciphertext copied to another row, or another column, fails to open.
 * Pure: no I/O, no logging; errors never include the plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  /** Key id written next to the ciphertext: letters, digits, `_` and `-`. */
  readonly id: string;
  /** 32 bytes (AES-256). */
  readonly key: Buffer;
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A sealed value that cannot be opened: malformed, unknown key id, wrong context or tampered with. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

interface Sealed {
  readonly kid: string;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: EncryptionKey;

  /** `keys[0]` encrypts; all of them decrypt. */
  constructor(keys: readonly EncryptionKey[]) {
    const [first] = keys;
    if (!first) throw new Error('SecretBox needs at least one key');
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new Error(`invalid encryption key id ${JSON.stringify(id)}`);
      if (key.length !== 32) throw new Error(`encryption key ${id} must be 32 bytes, not ${key.length}`);
      if (map.has(id)) throw new Error(`duplicate encryption key id ${id}`);
      map.set(id, key);
    }
    this.keys = map;
    this.current = first;
  }

  /** Encrypts `plaintext` with the current key for `context`. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.current.id, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, iv, tag, ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** Decrypts a value sealed for `context` with any configured key; throws {@link SecretBoxError} otherwise. */
  open(sealed: string, context: string): string {
    const { kid, iv, tag, ciphertext } = parse(sealed);
    const key = this.keys.get(kid);
    if (!key) throw new SecretBoxError(`sealed with key id ${kid}, which is not configured`);
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid, context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the sealed value does not authenticate (wrong key or context, or tampered with)');
    }
  }

  /** The id of the key a value was sealed with. */
  keyIdOf(sealed: string): string {
    return parse(sealed).kid;
  }

  /** True when the value is sealed with the current key (no re-sealing needed for rotation). */
  isCurrent(sealed: string): boolean {
    return this.keyIdOf(sealed) === this.current.id;
  }
}

/** The key id is authenticated too: a value relabelled with another kid cannot open. */
function aad(kid: string, context: string): Buffer {
  return Buffer.from(`${VERSION}\0${kid}\0${context}`, 'utf8');
}

function parse(sealed: string): Sealed {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('not a v1 sealed value');
  const [, kid = '', iv = '', tag = '', ciphertext = ''] = parts;
  if (!KEY_ID.test(kid) || ![iv, tag, ciphertext].every((p) => BASE64URL.test(p))) {
    throw new SecretBoxError('malformed sealed value');
  }
  const decoded = { kid, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url') };
  if (decoded.iv.length !== IV_BYTES || decoded.tag.length !== TAG_BYTES) {
    throw new SecretBoxError('malformed sealed value');
  }
  return { ...decoded, ciphertext: Buffer.from(ciphertext, 'base64url') };
}
