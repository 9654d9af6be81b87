/**
 * What of a request body the audit log keeps: every field, except that secrets are replaced
 * by {@link REDACTED} before anything is stored. A field is a secret when either rule says so:
 * - its name names one (`password`, `secret`, `token`, `authorization`, …: lib/logger.ts's
 *   `isSecretKey`, the rule the logs use), at any depth;
 * - the operation's request schema in the contract marks it `writeOnly` or `format: password`
 *   (api/openapi-contract.ts marks every secret a request takes), whatever its name.
 * A `null` stays `null` (a trunk password cleared is worth seeing, and holds no secret).
 * Strings are stored well-formed (a lone surrogate or a NUL cannot go into jsonb) and cut at
 * {@link MAX_STRING} characters; arrays at {@link MAX_ITEMS}; nesting at {@link MAX_DEPTH}.
 */
import { isSecretKey } from '../../lib/logger.js';

export const REDACTED = '[redacted]';
const MAX_STRING = 1000;
const MAX_ITEMS = 100;
const MAX_DEPTH = 6;

type Json = Record<string, unknown>;
const METHODS = ['post', 'put', 'patch', 'delete'] as const;

/**
 * `METHOD /template` → the property names the operation's request body (JSON or multipart)
 * marks `writeOnly` or `format: password`, at any depth.
 */
export function contractSecrets(spec: object): Map<string, ReadonlySet<string>> {
  const doc = spec as { paths?: Record<string, Record<string, Json | undefined>>; components?: { schemas?: Json } };
  const schemas = doc.components?.schemas ?? {};
  const out = new Map<string, ReadonlySet<string>>();
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const content = (item[method]?.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)
        ?.content;
      const names = new Set<string>();
      for (const media of Object.values(content ?? {})) collectSecrets(media.schema, schemas, names, new Set());
      if (names.size > 0) out.set(`${method.toUpperCase()} ${template}`, names);
    }
  }
  return out;
}

const isSecretSchema = (schema: Json): boolean => schema.writeOnly === true || schema.format === 'password';

function resolve(schema: Json, schemas: Json, seen: Set<string>): Json | undefined {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  if (seen.has(name)) return undefined;
  seen.add(name);
  return schemas[name] as Json | undefined;
}

/** Whether `schema` (through refs and allOf/anyOf/oneOf) is a secret's. */
function secretSchema(schema: Json | undefined, schemas: Json, seen: Set<string>): boolean {
  const resolved = schema && resolve(schema, schemas, new Set(seen));
  if (!resolved) return false;
  if (isSecretSchema(resolved) || (schema && isSecretSchema(schema))) return true;
  return (['allOf', 'anyOf', 'oneOf'] as const).some((k) =>
    ((resolved[k] as Json[] | undefined) ?? []).some((s) => secretSchema(s, schemas, seen)),
  );
}

function collectSecrets(schema: Json | undefined, schemas: Json, names: Set<string>, seen: Set<string>): void {
  const resolved = schema && resolve(schema, schemas, seen);
  if (!resolved) return;
  for (const [name, property] of Object.entries((resolved.properties as Record<string, Json> | undefined) ?? {})) {
    if (secretSchema(property, schemas, seen)) names.add(name);
    else collectSecrets(property, schemas, names, seen);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    for (const s of (resolved[k] as Json[] | undefined) ?? []) collectSecrets(s, schemas, names, seen);
  }
  if (resolved.items && typeof resolved.items === 'object')
    collectSecrets(resolved.items as Json, schemas, names, seen);
  if (resolved.additionalProperties && typeof resolved.additionalProperties === 'object') {
    collectSecrets(resolved.additionalProperties as Json, schemas, names, seen);
  }
}

/** A string as jsonb takes it: well-formed UTF-16, no NUL, at most {@link MAX_STRING} characters. */
export function storableString(value: string): string {
  const clean = value.toWellFormed().replaceAll('\u0000', '\uFFFD');
  return clean.length > MAX_STRING ? `${clean.slice(0, MAX_STRING)}…` : clean;
}

/** `value` with every secret field replaced by {@link REDACTED}; `secretNames` from {@link contractSecrets}. */
export function redact(value: unknown, secretNames: ReadonlySet<string> = new Set(), depth = 0): unknown {
  if (typeof value === 'string') return storableString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => redact(v, secretNames, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `[… ${value.length - MAX_ITEMS} more]`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const secret = isSecretKey(key) || secretNames.has(key);
    out[storableString(key)] = secret && v !== null && v !== undefined ? REDACTED : redact(v, secretNames, depth + 1);
  }
  return out;
}
