/**
 * Machine-client secrets are derived, not stored: HMAC-SHA256(server key, id + version).
 * A leaked `oauth_client` table reveals no secret (the server key sits in `auth_key`, sealed
 * with ENCRYPTION_KEYS), and rotating a secret is a version bump.
 */
import { createHmac, randomBytes } from 'node:crypto';

export function deriveClientSecret(key: Buffer, clientId: string, version: number): string {
  return createHmac('sha256', key).update(`${clientId}\u0000${version}`).digest('base64url');
}

export function newClientId(): string {
  return `vc_${randomBytes(12).toString('base64url')}`;
}
