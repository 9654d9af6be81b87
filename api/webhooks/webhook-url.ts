/** Webhook URLs: checked when a webhook is created or changed, so a delivery never fails on its URL's form. */
import type { FieldError } from '../../lib/errors.js';
import type { WebhookNetworks } from '../../lib/webhook-networks.js';

export const MAX_URL_LENGTH = 2048;

/**
 * The URL in its normalised form, or what is wrong with it: http or https with a host;
 * no user name or password (it would be shown back in every response: authenticate the
 * POST with its signature instead); an IP address `networks` allows (a host name is checked
 * at each POST, when it is resolved).
 */
export function webhookUrlOrError(
  value: string,
  networks: WebhookNetworks,
  field = 'body.url',
): { url: string } | { error: FieldError } {
  const invalid = (message: string) => ({ error: { field, message } });
  if (value.length > MAX_URL_LENGTH) return invalid(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid('must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid('must be an http or https URL');
  if (!url.hostname) return invalid('must name a host');
  if (url.username || url.password) return invalid('must not contain a user name or password');
  const refused = networks.literalRefusal(url.hostname);
  if (refused) {
    return invalid(`must not point to ${refused.address}: a private or local address not in WEBHOOK_ALLOWED_NETWORKS`);
  }
  const normalised = url.toString();
  if (normalised.length > MAX_URL_LENGTH) return invalid(`must be at most ${MAX_URL_LENGTH} characters`);
  return { url: normalised };
}
