/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- walks the untyped OpenAPI document */
/**
 * The server keeps the contract its OpenAPI document states (api/openapi-contract.ts), over
 * real HTTP: unknown methods are 405 with `Allow`, bodies of an undeclared media type 415,
 * unparseable bodies 400, oversized 413, `null` where the schema has none and malformed ids
 * 422 naming the field, and every collection answers `{items, nextCursor}` paged by
 * `limit`/`after`. schemathesis (test/integration/api-fuzz.test.ts) checks the rest
 * operation by operation.
 */
import { apiUrl, adminToken, call, createUser, expectProblem, login } from '../support/api';

let token: string;
let admin: string;

beforeAll(async () => {
  const user = await createUser();
  token = (await login(user.username, user.password)).access_token;
  admin = await adminToken();
});

const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array) =>
  fetch(`${apiUrl()}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body });

test('/openapi.json is the completed contract: errors documented as problem+json', async () => {
  const res = await fetch(`${apiUrl()}/openapi.json`);
  expect(res.status).toBe(200);
  const spec = (await res.json()) as { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
  const listTrunks = spec.paths['/api/v1/trunks'].get.responses;
  expect(Object.keys(listTrunks['422'].content)).toEqual(['application/problem+json']);
  expect(Object.keys(spec.paths['/api/v1/calls/{id}/recording'].get.responses)).toEqual(
    expect.arrayContaining(['200', '206', '416']),
  );
});

test('a method a path does not have: 405 with Allow; OPTIONS: 204 with Allow', async () => {
  const refused = await raw('DELETE', '/api/v1/trunks');
  expect(refused.headers.get('allow')).toBe('GET, POST, HEAD');
  const problem = await expectProblem(refused, 405, 'method-not-allowed');
  expect(problem.detail).toMatch(/does not take DELETE/);
  // A literal path is not taken for the template beside it (/blocklist/{id}).
  const upload = await raw('PUT', '/api/v1/blocklist/upload');
  expect(upload.headers.get('allow')).toBe('POST');
  await expectProblem(upload, 405, 'method-not-allowed');
  const options = await raw('OPTIONS', '/api/v1/trunks/0b6a3f1e-5d2c-4c8e-9a1b-2f3e4d5c6b7a');
  expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, DELETE, PATCH, HEAD']);
  // A path the API does not have at all stays a 404.
  await expectProblem(await raw('DELETE', '/api/v1/nothing-here'), 404, 'not-found');
});

test('a body of a media type the operation does not take: 415 naming body, with Accept', async () => {
  const form = await raw('POST', '/api/v1/trunks', { 'content-type': 'application/x-www-form-urlencoded' }, 'name=x');
  expect(form.headers.get('accept')).toBe('application/json');
  const problem = await expectProblem(form, 415, 'unsupported-media-type');
  expect(problem.errors).toEqual([{ field: 'body', message: 'send application/json' }]);
  const json = await raw('POST', '/api/v1/audio', { 'content-type': 'application/json' }, '{"name":"x"}');
  expect(json.headers.get('accept')).toBe('multipart/form-data');
  await expectProblem(json, 415, 'unsupported-media-type');
  // An upload without any body: 415 without a media type, 422 naming body with one; never a 500.
  for (const path of ['/api/v1/audio', '/api/v1/contact-lists', '/api/v1/blocklist/upload']) {
    await expectProblem(await raw('POST', path), 415, 'unsupported-media-type');
    const empty = await raw('POST', path, { 'content-type': 'multipart/form-data; boundary=XYZ' });
    const body = await expectProblem(empty, 422, 'validation-error');
    expect(body.errors).toEqual([{ field: 'body', message: 'a multipart/form-data body is required' }]);
  }
});

test('an unparseable body is 400, an oversized one 413, never a 500', async () => {
  const json = { 'content-type': 'application/json' };
  await expectProblem(await raw('POST', '/api/v1/trunks', json, '{"name": '), 400, 'invalid-json');
  const malformed = await raw(
    'POST',
    '/api/v1/audio',
    { 'content-type': 'multipart/form-data; boundary=XYZ' },
    '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n', // never closed
  );
  expect(malformed.status).toBeGreaterThanOrEqual(400);
  expect(malformed.status).toBeLessThan(500);
  expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
  expect((await raw('POST', '/api/v1/trunks', json, big)).status).toBe(413);
});

test('null where the schema has none, and a malformed id, are 422 naming the field', async () => {
  const nulls = await call('POST', '/api/v1/trunks', { token, body: { name: null, host: '127.0.0.1' } });
  const problem = await expectProblem(nulls, 422, 'validation-error');
  expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.name' })]));
  const id = await expectProblem(await call('GET', '/api/v1/trunks/not-a-uuid', { token }), 422, 'validation-error');
  expect(id.errors).toEqual([expect.objectContaining({ field: 'id' })]);
});

test('every collection answers one envelope, {items, nextCursor}, paged by limit and after', async () => {
  for (const name of ['a', 'b', 'c']) {
    const res = await call('POST', '/api/v1/trunks', {
      token,
      body: { name, host: '127.0.0.1', callerIdNumber: '4930999' },
    });
    expect(res.status).toBe(201);
  }
  for (const [path, who] of [
    ['/api/v1/trunks', token],
    ['/api/v1/contact-lists', token],
    ['/api/v1/webhooks', token],
    ['/api/v1/blocklist', token],
    ['/api/v1/audio', token],
    ['/api/v1/campaigns', token],
    ['/api/v1/calls', token],
    ['/api/v1/users', admin],
    ['/api/v1/clients', admin],
  ] as const) {
    const res = await call('GET', `${path}?limit=1`, { token: who });
    expect([path, res.status]).toEqual([path, 200]);
    const body = (await res.json()) as Record<string, unknown>;
    expect([path, Array.isArray(body.items)]).toEqual([path, true]);
    expect(Object.keys(body).filter((k) => k !== 'items' && k !== 'nextCursor')).toEqual([]);
    await expectProblem(await call('GET', `${path}?limit=0`, { token: who }), 422, 'validation-error');
  }
  const seen: string[] = [];
  let after: string | undefined;
  do {
    const page = (await (
      await call('GET', `/api/v1/trunks?limit=2${after ? `&after=${after}` : ''}`, { token })
    ).json()) as { items: { name: string }[]; nextCursor?: string };
    seen.push(...page.items.map((t) => t.name));
    after = page.nextCursor;
  } while (after);
  expect(seen).toEqual(['c', 'b', 'a']); // newest first, each once
});
