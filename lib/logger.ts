/**
 * pino everywhere. Secrets are removed before anything is written, so a stray
 * `log.info({ body })` or `log.error({ err })` cannot leak a password, a token or a query's
 * parameters (F28):
 *
 * - every key that names a secret (`password`, `authorization`, `clientSecret`, `token`,
 *   `cookie`, …) is censored at any depth of a logged object, not only at the paths pino's
 *   `redact` knows ({@link redactSecrets});
 * - errors, under `err` or anywhere else, keep their type, message, stack, code and cause but
 *   lose what drivers attach about the statement: pg's `detail` (`Key (x)=(value)`), `where`
 *   and `internalQuery`, and any `query`, `sql`, `params`, `parameters` or `bindings`
 *   ({@link serializeError}). A failed INSERT can carry a password hash or a sealed value
 *   there.
 */
import { createHmac } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino redacts after serialisation (what the serializers return is not walked again). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'secretKey',
  '*.secretKey',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
] as const;

export const CENSOR = '[redacted]';

/** Words that make a key a secret, matched in the key lower-cased without `-`, `_` or spaces. */
const SECRET_WORDS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'cookie',
  'apikey',
  'privatekey',
  'credential',
];

/** Properties drivers put on errors that repeat the statement or its values. */
const STATEMENT_KEYS = new Set([
  'query',
  'sql',
  'params',
  'parameters',
  'bindings',
  'detail',
  'where',
  'internalQuery',
]);

/** Deeper than this a logged value is cut (pino itself stops at 5 levels). */
const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  const normal = key.toLowerCase().replace(/[-_\s]/g, '');
  return SECRET_WORDS.some((word) => normal.includes(word));
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return errorFields(value, depth, seen);
  // Class instances (requests, sockets, Buffers, Dates) are left to their serializers and toJSON.
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = isSecretKey(key) ? CENSOR : walk(v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

function errorFields(err: Error, depth: number, seen: WeakSet<object>): unknown {
  if (seen.has(err)) return '[Circular]';
  if (depth >= MAX_DEPTH) return `[${err.name}]`;
  seen.add(err);
  try {
    const out: Record<string, unknown> = { type: err.constructor?.name ?? err.name, message: err.message };
    if (err.stack !== undefined) out.stack = err.stack;
    for (const [key, v] of Object.entries(err)) {
      if (key in out || STATEMENT_KEYS.has(key) || v === undefined) continue;
      out[key] = isSecretKey(key) ? CENSOR : walk(v, depth + 1, seen);
    }
    if (err.cause !== undefined) out.cause = walk(err.cause, depth + 1, seen);
    if (err instanceof AggregateError) out.errors = walk(err.errors, depth + 1, seen);
    return out;
  } finally {
    seen.delete(err);
  }
}

/**
 * pino's `err` serializer: the error without its statement, its values and any secret.
 * pino-http hands its serializer pino's own serialisation, whose `raw` is the error itself.
 */
export function serializeError(err: unknown): unknown {
  const raw =
    typeof err === 'object' && err !== null && !(err instanceof Error) ? (err as { raw?: unknown }).raw : undefined;
  return walk(raw instanceof Error ? raw : err, 0, new WeakSet());
}

/**
 * A logged object with every secret-named key censored at any depth and every error
 * serialised by {@link serializeError}; the caller's object is not changed. `err` at the
 * top is left to the serializer (pino-http wraps it).
 */
export function redactSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  const seen = new WeakSet<object>();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (isSecretKey(key)) out[key] = CENSOR;
    else out[key] = key === 'err' ? value : walk(value, 1, seen);
  }
  return out;
}

/**
 * A short keyed hash of a typed identifier, to log in its place: people type their password
 * into the username field, so a failed login's username is not logged (F28). Keyed, so the
 * hash of a typed password cannot be brute-forced from the log alone; the same key on every
 * replica, so repeated failures for one name share a hash.
 */
export function logHash(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex').slice(0, 16);
}

export function createLogger(options: { level: string; name: string }, destination?: DestinationStream): Logger {
  const settings = {
    name: options.name,
    level: options.level,
    redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
    serializers: { err: serializeError },
    formatters: { log: redactSecrets },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(settings, destination) : pino(settings);
}
