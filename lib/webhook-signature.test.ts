import { createHmac } from 'node:crypto';
import { generateWebhookSecret, signatureHeader, verifySignature } from './webhook-signature';

const secret = 'whsec_test-secret';
const body = '{"event":"call.completed","data":{"phone":"+4930123"}}';
const at = new Date('2026-12-01T12:00:00.000Z');
const t = 1796126400; // at, in unix seconds

describe('webhook signatures', () => {
  test('the header is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    // An independent computation of the documented scheme (and a fixed vector of it).
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signatureHeader(secret, body, at)).toBe(`t=${t},v1=${expected}`);
    expect(expected).toBe('d63d4b3feb9f980058058565ee97ff9b540d397f3b2bc79e275e36ea204f0843');
  });

  test('sub-second times are signed with the whole second', () => {
    expect(signatureHeader(secret, body, new Date(at.getTime() + 999))).toBe(signatureHeader(secret, body, at));
  });

  test('verifies its own signature, within the tolerance only', () => {
    const header = signatureHeader(secret, body, at);
    expect(verifySignature(secret, header, body, { now: at })).toBe(true);
    expect(verifySignature(secret, header, Buffer.from(body), { now: new Date(at.getTime() + 300_000) })).toBe(true);
    expect(verifySignature(secret, header, body, { now: new Date(at.getTime() + 301_000) })).toBe(false);
    expect(verifySignature(secret, header, body, { now: new Date(at.getTime() - 301_000) })).toBe(false);
    expect(
      verifySignature(secret, header, body, { now: new Date(at.getTime() + 3_600_000), toleranceSeconds: 3600 }),
    ).toBe(true);
  });

  test('a tampered body, another secret or another timestamp does not verify', () => {
    const header = signatureHeader(secret, body, at);
    expect(verifySignature(secret, header, body.replace('+4930123', '+4930124'), { now: at })).toBe(false);
    expect(verifySignature(`${secret}x`, header, body, { now: at })).toBe(false);
    const moved = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(verifySignature(secret, moved, body, { now: at })).toBe(false);
  });

  test('malformed headers are refused, and any one of several v1 signatures may match', () => {
    const header = signatureHeader(secret, body, at);
    const v1 = header.split('v1=')[1];
    for (const bad of [
      '',
      'garbage',
      `v1=${v1}`,
      `t=${t}`,
      `t=abc,v1=${v1}`,
      `t=${t},t=${t},v1=${v1}`,
      `t=${t},v1=zz`,
    ]) {
      expect([bad, verifySignature(secret, bad, body, { now: at })]).toEqual([bad, false]);
    }
    expect(verifySignature(secret, `t=${t},v1=${'0'.repeat(64)},v1=${v1}`, body, { now: at })).toBe(true);
    expect(verifySignature(secret, ` t=${t} , v1=${v1} `, body, { now: at })).toBe(true);
  });

  test('secrets are random, prefixed and 256 bits', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
