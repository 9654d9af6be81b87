/**
 * Webhook signatures, the contract receivers verify (docs/webhooks.md):
 *
 *   Voicecast-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The key is the webhook's secret exactly as shown at creation (its UTF-8 bytes, `whsec_`
 * prefix included). The timestamp is signed with the body, so a receiver that also checks
 * it is recent rejects a captured request replayed later. `v1` names the scheme: a future
 * one can be sent next to it without breaking receivers that know only `v1`.
 * Pure: no I/O, no logging.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Voicecast-Signature';
/** The event type, e.g. `call.completed`. */
export const EVENT_HEADER = 'Voicecast-Event';
/** The delivery id: the same on every retry of one delivery, so receivers can deduplicate. */
export const DELIVERY_HEADER = 'Voicecast-Delivery';

/** Receivers should refuse signatures older (or newer) than this by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new signing secret: 256 random bits. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The `Voicecast-Signature` value for `body` sent at `at`. */
export function signatureHeader(secret: string, body: string | Buffer, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export interface VerifyOptions {
  /** Default: the current time. */
  readonly now?: Date;
  readonly toleranceSeconds?: number;
}

/**
 * True when `header` carries a `v1` signature of `body` by `secret` with a timestamp within
 * the tolerance of `now`. Compares in constant time; any malformed header is simply false.
 */
export function verifySignature(
  secret: string,
  header: string,
  body: string | Buffer,
  options: VerifyOptions = {},
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([key]) => key === 't').map(([, value]) => value ?? '');
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0] ?? '')) return false;
  const timestamp = Number(timestamps[0]);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return signatures.some((sig) => {
    const given = /^[0-9a-f]{64}$/.test(sig) ? Buffer.from(sig, 'hex') : undefined;
    return given !== undefined && timingSafeEqual(given, expected);
  });
}
