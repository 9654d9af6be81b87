/**
 * Checks on trunk fields that the OpenAPI schema cannot express (tsoa checks the rest:
 * types, enums, ranges, lengths, the caller ID pattern, unique codecs). Pure.
 */
import { isIP } from 'node:net';
import type { FieldError } from '../../lib/errors.js';

/** RFC 1123 label: letters, digits, inner hyphens, 1–63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A SIP host as stored: a host name (lower-cased, a trailing dot dropped), an IPv4 literal,
 * or an IPv6 literal (brackets dropped; the telephony engine adds them in URIs). Undefined
 * when `value` is none of these — e.g. `300.1.1.1` (its last label is numeric, so it is not
 * a host name either), `exa mple.com`, `host:5060` or a URL.
 */
export function normalizeHost(value: string): string | undefined {
  if (value.includes('%')) return undefined; // an IPv6 zone only means something on one machine
  const bracketed = /^\[(.*)\]$/.exec(value);
  if (bracketed) return isIP(bracketed[1] ?? '') === 6 ? (bracketed[1] ?? '').toLowerCase() : undefined;
  if (isIP(value) === 4) return value;
  if (isIP(value) === 6) return value.toLowerCase();
  const name = value.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) return undefined;
  const labels = name.split('.');
  if (!labels.every((label) => LABEL.test(label))) return undefined;
  // A numeric top label is an IPv4 address gone wrong, not a name (RFC 3696 §2).
  return /^[0-9]+$/.test(labels[labels.length - 1] ?? '') ? undefined : name;
}

/** `value` as a host, or a field error for `field` (e.g. `body.outboundProxy.host`). */
export function hostOrError(value: string, field: string): { host: string } | { error: FieldError } {
  const host = normalizeHost(value);
  return host === undefined
    ? { error: { field, message: 'must be a host name or an IPv4/IPv6 address (no port, no scheme)' } }
    : { host };
}
