/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- walks the untyped OpenAPI document */
/**
 * The served OpenAPI document (tsoa's spec completed by openapi-contract.ts) is a valid
 * OpenAPI 3 document and says what the server does: problem+json errors, binary downloads,
 * `Location` on 201, no body on 204, one list envelope, uuid ids, one tag per operation.
 * The server's side of each promise is checked over HTTP in test/integration/api-contract.test.ts
 * and by schemathesis (scripts/fuzz-api.sh).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import generated from './generated/swagger.json';
import { bodyMediaTypes, completeContract, pathMethods, pathPattern, PROBLEM_MEDIA_TYPE } from './openapi-contract';

type Json = Record<string, any>;

const spec = completeContract(generated) as Json;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations: { path: string; method: string; op: Json }[] = Object.entries(spec.paths as Json).flatMap(
  ([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((method) => ({ path, method, op: (item as Json)[method] as Json })),
);
const resolve = (schema: Json | undefined): Json | undefined => {
  const ref = schema?.$ref as string | undefined;
  return ref ? (spec.components.schemas[ref.replace('#/components/schemas/', '')] as Json) : schema;
};

test('is a valid OpenAPI 3 document', async () => {
  const result = await new Validator().validate(spec);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(operations.length).toBeGreaterThan(50);
});

test('does not change the generated document it completes', () => {
  const before = JSON.stringify(generated);
  completeContract(generated);
  expect(JSON.stringify(generated)).toBe(before);
});

test('every error is application/problem+json with the one ProblemDetails schema', () => {
  for (const { path, method, op } of operations) {
    for (const [status, response] of Object.entries(op.responses as Json)) {
      if (Number(status) < 400) continue;
      expect([path, method, status, Object.keys((response as Json).content ?? {})]).toEqual([
        path,
        method,
        status,
        [PROBLEM_MEDIA_TYPE],
      ]);
      expect((response as Json).content[PROBLEM_MEDIA_TYPE].schema).toEqual({
        $ref: '#/components/schemas/ProblemDetails',
      });
    }
  }
  const problem = spec.components.schemas.ProblemDetails as Json;
  expect(problem.properties.status).toMatchObject({ type: 'integer' });
  expect(problem.properties.errors).toBeDefined();
});

test('every operation lists the errors it can answer', () => {
  for (const { path, op } of operations) {
    const statuses = Object.keys(op.responses as Json);
    if ((op.security ?? []).length > 0) expect([path, statuses]).toEqual([path, expect.arrayContaining(['401'])]);
    if (path.includes('{')) expect([path, statuses]).toEqual([path, expect.arrayContaining(['404', '422'])]);
    if (op.requestBody) expect([path, statuses]).toEqual([path, expect.arrayContaining(['400', '413', '415', '422'])]);
    expect(statuses).toContain('503');
  }
});

test('201 carries Location; 204 has no body', () => {
  const created = operations.filter(({ op }) => op.responses['201']);
  expect(created.length).toBeGreaterThan(5);
  for (const { op } of created) expect(op.responses['201'].headers.Location).toBeDefined();
  for (const { op } of operations.filter(({ op }) => op.responses['204'])) {
    expect(op.responses['204'].content).toBeUndefined();
  }
});

test('downloads are documented with their real media types, ranges included', () => {
  const byId = Object.fromEntries(operations.map(({ op }) => [op.operationId as string, op]));
  for (const id of ['DownloadRecording', 'DownloadAudio']) {
    const responses = byId[id].responses as Json;
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '206', '416']));
    for (const type of ['audio/wav', 'audio/mpeg']) {
      expect(responses['200'].content[type].schema).toEqual({ type: 'string', format: 'binary' });
      expect(responses['206'].content[type].schema).toEqual({ type: 'string', format: 'binary' });
    }
    expect(Object.keys(responses['406'].content)).toEqual(['application/problem+json']);
    expect(responses['200'].headers).toHaveProperty('Accept-Ranges');
    expect(responses['200'].headers).toHaveProperty('ETag');
    expect(responses['206'].headers).toHaveProperty('Content-Range');
    expect(responses['416'].headers).toHaveProperty('Content-Range');
  }
  expect(Object.keys(byId.DownloadInvalidLines.responses['200'].content)).toEqual(['text/csv']);
  expect(byId.DownloadInvalidLines.responses['200'].headers).toHaveProperty('Content-Length');
  // The exports stream: CSV without a length known up front.
  for (const id of ['ExportCalls', 'DownloadCampaignResults']) {
    const ok = (byId[id].responses as Json)['200'];
    expect(Object.keys(ok.content)).toEqual(['text/csv']);
    expect(ok.headers).toHaveProperty('Content-Disposition');
    expect(ok.headers).not.toHaveProperty('Content-Length');
  }
});

test('the campaign event stream is text/event-stream, by bearer token or one-time ticket, 429 with Retry-After', () => {
  const op = operations.find(({ op }) => op.operationId === 'StreamCampaignEvents')?.op as Json;
  expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
  expect(op.responses['200'].headers).toHaveProperty('X-Accel-Buffering');
  expect(op.responses['204'].content).toBeUndefined();
  expect(op.responses['429'].headers).toHaveProperty('Retry-After');
  expect(op.security).toEqual([{ oauth2: ['api'] }, { eventTicket: [] }]);
  expect(spec.components.securitySchemes.eventTicket).toMatchObject({ type: 'apiKey', in: 'query', name: 'ticket' });
  // Only this operation takes a ticket.
  const ticketed = operations.filter(({ op }) => JSON.stringify(op.security ?? []).includes('eventTicket'));
  expect(ticketed.map(({ op }) => op.operationId as string)).toEqual(['StreamCampaignEvents']);
});

test('every collection answers one envelope, {items, nextCursor}, paged with limit and after', () => {
  const collections = operations.filter(
    ({ method, op }) =>
      method === 'get' && resolve(op.responses['200']?.content?.['application/json']?.schema)?.properties?.items,
  );
  const paths = collections.map((c) => c.path);
  for (const expected of [
    '/api/v1/trunks',
    '/api/v1/contact-lists',
    '/api/v1/users',
    '/api/v1/clients',
    '/api/v1/webhooks',
    '/api/v1/webhooks/{id}/deliveries',
    '/api/v1/blocklist',
    '/api/v1/audio',
    '/api/v1/campaigns',
    '/api/v1/calls',
  ]) {
    expect(paths).toContain(expected);
  }
  for (const { path, op } of collections) {
    const page = resolve(op.responses['200'].content['application/json'].schema) as Json;
    expect([path, Object.keys(page.properties).sort()]).toEqual([path, ['items', 'nextCursor']]);
    expect(page.required).toEqual(['items']);
    const params = (op.parameters as Json[]).filter((p) => p.in === 'query').map((p) => p.name as string);
    expect([path, params]).toEqual([path, expect.arrayContaining(['limit'])]);
  }
  // No bare arrays anywhere.
  for (const { path, op } of operations) {
    const schema = resolve(op.responses['200']?.content?.['application/json']?.schema);
    expect([path, schema?.type]).not.toEqual([path, 'array']);
  }
});

test('ids in paths are uuids (machine clients: vc_ ids), so a client refuses a malformed one first', () => {
  for (const { path, op } of operations) {
    for (const param of (op.parameters ?? []) as Json[]) {
      if (param.in !== 'path') continue;
      const schema = resolve(param.schema) as Json;
      if (path.startsWith('/api/v1/clients/')) expect(schema.pattern).toMatch(/^\^vc_/);
      else expect([path, schema.format]).toEqual([path, 'uuid']);
    }
  }
});

test('one tag per operation, unique operation ids, a summary or description on each', () => {
  const ids = operations.map(({ op }) => op.operationId as string);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { path, op } of operations) {
    expect([path, (op.tags as string[]).length]).toEqual([path, 1]);
    expect([path, Boolean(op.description ?? op.summary)]).toEqual([path, true]);
  }
});

test('path templates match their paths only; literal paths win over templates', () => {
  const pattern = pathPattern('/api/v1/blocklist/{id}');
  expect(pattern.test('/api/v1/blocklist/abc')).toBe(true);
  expect(pattern.test('/api/v1/blocklist/abc/')).toBe(true);
  expect(pattern.test('/api/v1/blocklist/abc/x')).toBe(false);
  expect(pattern.test('/api/v1/blocklistx/abc')).toBe(false);
  const methods = pathMethods(spec);
  const upload = methods.find((m) => m.pattern.test('/api/v1/blocklist/upload'));
  expect(upload?.allow).toEqual(['POST']);
  expect(methods.find((m) => m.pattern.test('/api/v1/trunks'))?.allow).toEqual(['GET', 'POST', 'HEAD']);
  const bodies = bodyMediaTypes(spec).filter((b) => b.pattern.test('/api/v1/audio') && b.method === 'POST');
  expect(bodies.map((b) => b.mediaTypes)).toEqual([['multipart/form-data']]);
});

test('every JSON request body has an example, valid against its own schema', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(jsonSchema({ components: spec.components }) as object, 'spec');
  const withBody = operations.filter(({ op }) => op.requestBody?.content?.['application/json']);
  expect(withBody.length).toBeGreaterThan(10);
  for (const { path, method, op } of withBody) {
    const body = op.requestBody.content['application/json'];
    expect([method, path, body.example === undefined]).toEqual([method, path, false]);
    const schema = jsonSchema(JSON.parse(JSON.stringify(body.schema).replaceAll('"#/components', '"spec#/components')));
    const validate = ajv.compile(schema as object);
    expect([method, path, validate(body.example) ? [] : validate.errors]).toEqual([method, path, []]);
  }
});

/** OpenAPI 3.0's `nullable` as JSON Schema (`anyOf` with `null`), which Ajv validates. */
function jsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(jsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Json;
  const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, jsonSchema(v)]));
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}
