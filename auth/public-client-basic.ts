/**
 * Swagger UI (and some OAuth libraries) send a public client as
 * `Authorization: Basic base64("voicecast:")` — the client id with an empty secret — while
 * oidc-provider, correctly, expects a client registered with `token_endpoint_auth_method:
 * none` to send `client_id` in the body. For exactly that case (our first-party client id
 * and an empty secret) this middleware drops the header and moves the id into the form
 * body. oidc-provider then reads the pre-parsed body (it logs a one-time notice about it).
 * Anything else passes through untouched.
 */
import express, { type RequestHandler } from 'express';

const formParser = express.urlencoded({ extended: false, limit: '56kb' });

export function publicClientBasicAuth(clientId: string): RequestHandler {
  const expected = `Basic ${Buffer.from(`${clientId}:`).toString('base64')}`;
  return (req, res, next) => {
    if (req.method !== 'POST' || req.headers.authorization !== expected) return next();
    delete req.headers.authorization;
    formParser(req, res, (err?: unknown) => {
      if (err) return next(err);
      const body = (req.body ?? {}) as Record<string, unknown>;
      body.client_id ??= clientId;
      req.body = body;
      next();
    });
  };
}
