import { createDecipheriv, randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const CONTEXT = 'sip_trunk:6f1c2b1e-0000-4000-8000-000000000001:password';

describe('SecretBox', () => {
  it('round-trips, with a fresh IV every time (same plaintext, different ciphertexts)', () => {
    const box = new SecretBox([k1]);
    for (const secret of ['s3cret', '', 'ünïcødé ☎ pässwörd', 'x'.repeat(10_000)]) {
      const a = box.seal(secret, CONTEXT);
      const b = box.seal(secret, CONTEXT);
      expect(a).not.toBe(b);
      expect(box.open(a, CONTEXT)).toBe(secret);
      expect(box.open(b, CONTEXT)).toBe(secret);
    }
  });

  it('writes v1.<kid>.<iv>.<tag>.<ct>: 12-byte IV, 16-byte tag, AES-256-GCM with kid and context as AAD', () => {
    const sealed = new SecretBox([k1]).seal('hello', CONTEXT);
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('hello');
    // Decrypted independently of SecretBox, to pin the format down.
    const [, , iv, tag, ct] = sealed.split('.');
    const decipher = createDecipheriv('aes-256-gcm', k1.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`v1\0k1\0${CONTEXT}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    expect(Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString()).toBe('hello');
  });

  it('fails with a wrong key (same kid, other key material)', () => {
    const sealed = new SecretBox([k1]).seal('s3cret', CONTEXT);
    const impostor = new SecretBox([{ id: 'k1', key: randomBytes(32) }]);
    expect(() => impostor.open(sealed, CONTEXT)).toThrow(SecretBoxError);
  });

  it('fails when any part is tampered with', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('s3cret-password', CONTEXT);
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] = bytes[0] ^ 0x01;
      const tampered = parts.map((p, i) => (i === index ? bytes.toString('base64url') : p)).join('.');
      expect(() => box.open(tampered, CONTEXT)).toThrow(SecretBoxError);
    }
    // Truncated ciphertext, missing parts, other version, garbage.
    expect(() => box.open(parts.slice(0, 4).join('.') + '.', CONTEXT)).toThrow(SecretBoxError);
    expect(() => box.open(parts.slice(0, 4).join('.'), CONTEXT)).toThrow(SecretBoxError);
    expect(() => box.open(['v2', ...parts.slice(1)].join('.'), CONTEXT)).toThrow(SecretBoxError);
    expect(() => box.open('s3cret-password', CONTEXT)).toThrow(SecretBoxError);
  });

  it('fails when the associated data differs: a ciphertext cannot move to another row', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('s3cret', CONTEXT);
    expect(() => box.open(sealed, CONTEXT.replace('0001', '0002'))).toThrow(SecretBoxError);
    expect(() => box.open(sealed, '')).toThrow(SecretBoxError);
  });

  it('fails when the kid is relabelled, even to another configured key', () => {
    const box = new SecretBox([k1, { id: 'k3', key: k1.key }]);
    const relabelled = box.seal('s3cret', CONTEXT).replace(/^v1\.k1\./, 'v1.k3.');
    expect(() => box.open(relabelled, CONTEXT)).toThrow(SecretBoxError);
  });

  it('rotates: the new first key encrypts, the old kid still decrypts, isCurrent tells what to re-seal', () => {
    const before = new SecretBox([k1]);
    const old = before.seal('s3cret', CONTEXT);
    expect(before.isCurrent(old)).toBe(true);

    const after = new SecretBox([k2, k1]);
    expect(after.open(old, CONTEXT)).toBe('s3cret');
    expect(after.keyIdOf(old)).toBe('k1');
    expect(after.isCurrent(old)).toBe(false);
    const resealed = after.seal(after.open(old, CONTEXT), CONTEXT);
    expect(after.keyIdOf(resealed)).toBe('k2');
    expect(after.isCurrent(resealed)).toBe(true);

    // Once the old key is dropped, old values fail loudly with the kid named.
    const dropped = new SecretBox([k2]);
    expect(dropped.open(resealed, CONTEXT)).toBe('s3cret');
    expect(() => dropped.open(old, CONTEXT)).toThrow(/key id k1, which is not configured/);
  });

  it('never puts the plaintext into an error message', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('very-secret-value', CONTEXT);
    try {
      box.open(sealed, 'other');
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as Error).message).not.toContain('very-secret-value');
    }
  });

  it('refuses bad key sets', () => {
    expect(() => new SecretBox([])).toThrow(/at least one key/);
    expect(() => new SecretBox([{ id: 'k1', key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new SecretBox([k1, { id: 'k1', key: randomBytes(32) }])).toThrow(/duplicate/);
    expect(() => new SecretBox([{ id: 'a.b', key: randomBytes(32) }])).toThrow(/invalid encryption key id/);
  });
});
