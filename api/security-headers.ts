/**
 * Security headers on every response (F30), the OAuth endpoints and errors included:
 *
 * - `X-Content-Type-Options: nosniff`: a JSON body (or a user's audio) is never run as script.
 * - `Content-Security-Policy`: the API serves data, so nothing may load, run or frame it.
 *   Swagger UI under /docs gets what it needs and no more: its own scripts and styles from
 *   'self' (swagger-ui-express has no inline script), inline `<style>` and style attributes
 *   from its page template, `data:` images from its CSS, fetches to 'self' (the spec, the
 *   token endpoint, "Try it out").
 * - `Strict-Transport-Security` when PUBLIC_URL is https: browsers keep to https afterwards,
 *   also when TLS ends in a proxy in front of the API (it passes the header on).
 * - `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` for browsers without CSP 3.
 */
import type { RequestHandler } from 'express';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** One year, the usual minimum for browsers' preload lists; subdomains are the operator's business. */
export const HSTS = 'max-age=31536000';

const isDocs = (path: string) => path === '/docs' || path.startsWith('/docs/');

export function securityHeaders(options: { publicUrl: string }): RequestHandler {
  const https = new URL(options.publicUrl).protocol === 'https:';
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', isDocs(req.path) ? DOCS_CSP : API_CSP);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (https) res.setHeader('Strict-Transport-Security', HSTS);
    next();
  };
}
