import { burnVerification, hashPassword, verifyPassword } from './password';

describe('argon2id password hashing', () => {
  it('produces a PHC argon2id string with a random salt', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toEqual(b);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('s3cret-passphrase');
    await expect(verifyPassword('s3cret-passphrase', hash)).resolves.toBe(true);
    await expect(verifyPassword('s3cret-passphrasE', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('honours the parameters stored in the hash', async () => {
    const cheap = await hashPassword('pw-with-other-params', { memory: 8192, passes: 1, parallelism: 1 });
    expect(cheap).toContain('m=8192,t=1,p=1');
    await expect(verifyPassword('pw-with-other-params', cheap)).resolves.toBe(true);
  });

  it('treats malformed hashes as a mismatch, never as a match', async () => {
    await expect(verifyPassword('x', 'not-a-hash')).resolves.toBe(false);
    await expect(verifyPassword('x', '$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA')).resolves.toBe(false);
    await expect(burnVerification('x')).resolves.toBe(false);
  });
});
