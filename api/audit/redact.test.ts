import { isSecretKey } from '../../lib/logger';
import generated from '../generated/swagger.json';
import { completeContract } from '../openapi-contract';
import { contractSecrets, REDACTED, redact, storableString } from './redact';

interface Schema {
  $ref?: string;
  allOf?: Schema[];
  writeOnly?: boolean;
  format?: string;
  properties?: Record<string, Schema>;
}
const spec = completeContract(generated) as unknown as { components: { schemas: Record<string, Schema> } };
const named = (ref: string | undefined): Schema | undefined =>
  ref === undefined ? undefined : spec.components.schemas[ref.split('/').pop() ?? ''];
const secrets = contractSecrets(spec);

test('the contract marks every secret a request takes, and the audit log finds each there', () => {
  expect(secrets.get('POST /api/v1/trunks')).toEqual(new Set(['password']));
  expect(secrets.get('PATCH /api/v1/trunks/{id}')).toEqual(new Set(['password']));
  expect(secrets.get('POST /api/v1/users')).toEqual(new Set(['password']));
  expect(secrets.get('PATCH /api/v1/users/{id}')).toEqual(new Set(['password']));
  expect(secrets.get('POST /api/v1/me/password')).toEqual(new Set(['currentPassword', 'newPassword']));
});

test('every request property named like a secret is marked writeOnly / format password in the contract', () => {
  const unmarked: string[] = [];
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    if (!name.endsWith('Request')) continue;
    for (const [property, value] of Object.entries(schema.properties ?? {})) {
      if (!isSecretKey(property)) continue;
      const candidates = [value, named(value.$ref), ...(value.allOf ?? []).map((s) => named(s.$ref))];
      const marked = candidates.some((s) => s?.writeOnly === true && s.format === 'password');
      if (!marked) unmarked.push(`${name}.${property}`);
    }
  }
  expect(unmarked).toEqual([]);
});

test('redacts by name at any depth, and by the schema whatever the name; null stays null', () => {
  const schemaOnly = new Set(['pin']);
  expect(
    redact(
      {
        name: 'carrier',
        password: 'hunter2-hunter2',
        nested: { clientSecret: 'x', api_key: 'y', list: [{ token: 'z' }] },
        pin: '1234',
        realm: null,
        authUsername: 'bob',
      },
      schemaOnly,
    ),
  ).toEqual({
    name: 'carrier',
    password: REDACTED,
    nested: { clientSecret: REDACTED, api_key: REDACTED, list: [{ token: REDACTED }] },
    pin: REDACTED,
    realm: null,
    authUsername: 'bob',
  });
  expect(redact({ password: null })).toEqual({ password: null });
});

test('contractSecrets follows refs, allOf and nesting in a schema of its own', () => {
  const doc = {
    paths: {
      '/x': {
        post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/X' } } } } },
      },
    },
    components: {
      schemas: {
        X: {
          properties: {
            a: { allOf: [{ $ref: '#/components/schemas/Pin' }] },
            b: { properties: { c: { format: 'password' } } },
            self: { $ref: '#/components/schemas/X' },
          },
        },
        Pin: { type: 'string', writeOnly: true },
      },
    },
  };
  expect(contractSecrets(doc).get('POST /x')).toEqual(new Set(['a', 'c']));
});

test('hostile strings are kept as text that jsonb takes; long values are cut', () => {
  expect(storableString('a\u0000b')).toBe('a\uFFFDb');
  expect(storableString('x\uD800y')).toBe('x\uFFFDy');
  expect(storableString('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  expect(storableString('z'.repeat(5000))).toHaveLength(1001);
  const out = redact({ ['k\u0000']: Array.from({ length: 150 }, (_, i) => i) }) as Record<string, unknown[]>;
  expect(Object.keys(out)).toEqual(['k\uFFFD']);
  expect(out['k\uFFFD']).toHaveLength(101);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 20; i++) deep = { d: deep };
  expect(JSON.stringify(redact(deep))).toContain('[…]');
});
