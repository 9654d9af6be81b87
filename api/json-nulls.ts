/**
 * `null` where the spec does not allow it is a 422 naming the field. tsoa lets `null` through
 * for an optional property (it treats it like a missing one), so `{"private": null}` would
 * be accepted although the schema says boolean; a generated client or a fuzzer sending it
 * must get the error the spec promises. Walks the JSON body along the operation's request
 * schema (`$ref`, `allOf`, nested objects and arrays); a property is nullable when its schema
 * says `nullable: true` (OpenAPI 3.0) or lists `null` among its types.
 */
import type { RequestHandler } from 'express';
import type { FieldError } from '../lib/errors.js';
import { sendProblem } from './problem-response.js';

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
};

interface JsonOperation {
  readonly pattern: RegExp;
  readonly method: string;
  readonly schema: Schema;
}

/** The JSON request body schemas of the spec's operations. */
export function jsonBodySchemas(spec: object, patternOf: (template: string) => RegExp): JsonOperation[] {
  const paths = (spec as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  return Object.entries(paths).flatMap(([template, item]) =>
    Object.entries(item).flatMap(([method, operation]) => {
      const schema = (operation as { requestBody?: { content?: Record<string, { schema?: Schema }> } }).requestBody
        ?.content?.['application/json']?.schema;
      return schema ? [{ pattern: patternOf(template), method: method.toUpperCase(), schema }] : [];
    }),
  );
}

export function nullViolations(value: unknown, schema: Schema, spec: object, field = 'body', depth = 0): FieldError[] {
  if (depth > 20) return [];
  const resolved = resolve(schema, spec);
  if (value === null) return nullable(resolved, spec) ? [] : [{ field, message: 'must not be null' }];
  if (Array.isArray(value)) {
    const items = itemsOf(resolved, spec);
    return items ? value.flatMap((v, i) => nullViolations(v, items, spec, `${field}.${i}`, depth + 1)) : [];
  }
  if (typeof value === 'object') {
    const properties = propertiesOf(resolved, spec);
    return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => {
      const property = properties[key];
      return property ? nullViolations(v, property, spec, `${field}.${key}`, depth + 1) : [];
    });
  }
  return [];
}

function resolve(schema: Schema, spec: object): Schema {
  let current = schema;
  for (let i = 0; i < 20 && current.$ref; i++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = (spec as { components?: { schemas?: Record<string, Schema> } }).components?.schemas?.[name] ?? {};
  }
  return current;
}

function parts(schema: Schema, spec: object): Schema[] {
  const resolved = resolve(schema, spec);
  return [resolved, ...(resolved.allOf ?? []).flatMap((s) => parts(s, spec))];
}

function nullable(schema: Schema, spec: object): boolean {
  const resolved = resolve(schema, spec);
  if (resolved.nullable === true) return true;
  if (Array.isArray(resolved.type) && resolved.type.includes('null')) return true;
  return [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])].some((s) => nullable(s, spec));
}

function propertiesOf(schema: Schema, spec: object): Record<string, Schema> {
  return Object.assign({}, ...parts(schema, spec).map((s) => s.properties ?? {})) as Record<string, Schema>;
}

function itemsOf(schema: Schema, spec: object): Schema | undefined {
  return parts(schema, spec).find((s) => s.items)?.items;
}

export function refuseUndeclaredNulls(operations: readonly JsonOperation[], spec: object): RequestHandler {
  return (req, res, next) => {
    if (req.body === undefined || req.body === null || typeof req.body !== 'object') return next();
    const operation = operations.find((o) => o.method === req.method && o.pattern.test(req.path));
    if (!operation) return next();
    const errors = nullViolations(req.body, operation.schema, spec);
    if (errors.length === 0) return next();
    sendProblem(req, res, {
      slug: 'validation-error',
      title: 'Validation failed',
      status: 422,
      detail: `Invalid field(s): ${errors.map((e) => e.field).join(', ')}.`,
      errors,
    });
  };
}
