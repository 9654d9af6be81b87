import generated from '../generated/swagger.json';
import { completeContract } from '../openapi-contract';
import { AUDIT_ACTIONS, AUDITED_METHODS } from './audit-actions';
import { auditedRoutes, outcomeOf } from './audit-recorder';

const spec = completeContract(generated) as { paths: Record<string, Record<string, unknown>> };
const changing = Object.entries(spec.paths).flatMap(([template, item]) =>
  Object.keys(item)
    .map((m) => m.toUpperCase())
    .filter((m) => AUDITED_METHODS.has(m))
    .map((m) => `${m} ${template}`),
);

test('every operation that changes something has an audit action (add new routes to audit-actions.ts)', () => {
  expect(changing.length).toBeGreaterThan(30);
  expect(changing.filter((route) => !AUDIT_ACTIONS[route])).toEqual([]);
  expect(() => auditedRoutes(spec)).not.toThrow();
});

test('every audit action names an operation of the contract', () => {
  expect(Object.keys(AUDIT_ACTIONS).filter((route) => !changing.includes(route))).toEqual([]);
});

test('action names are unique, stable-looking, and take their id from where the route has one', () => {
  const actions = Object.values(AUDIT_ACTIONS).map((a) => a.action);
  expect(new Set(actions).size).toBe(actions.length);
  for (const [route, { action, target }] of Object.entries(AUDIT_ACTIONS)) {
    expect([route, action]).toEqual([route, expect.stringMatching(/^[a-z_]+\.[a-z_]+$/)]);
    expect([route, target === 'path']).toEqual([route, route.includes('{id}')]);
  }
});

test('a route that is not in the table is refused when the recorder is built', () => {
  const extra = { paths: { ...spec.paths, '/api/v1/widgets': { post: {} } } };
  expect(() => auditedRoutes(extra)).toThrow('POST /api/v1/widgets has no audit action');
});

test('literal paths are matched before templates, and templates capture the id', () => {
  const routes = auditedRoutes(spec);
  const find = (method: string, path: string) => routes.find((r) => r.method === method && r.pattern.test(path));
  expect(find('POST', '/api/v1/blocklist/upload')?.action).toBe('blocklist.upload');
  expect(find('DELETE', '/api/v1/blocklist/abc')?.action).toBe('blocklist.remove');
  const pause = find('POST', '/api/v1/campaigns/0b6a3f1e-5d2c-4c8e-9a1b-2f3e4d5c6b7a/pause');
  expect(pause?.route).toBe('POST /api/v1/campaigns/{id}/pause');
  expect(pause?.pattern.exec('/api/v1/campaigns/x1/pause')?.[1]).toBe('x1');
  expect(find('GET', '/api/v1/trunks')).toBeUndefined();
  // As Express matches: any case, an optional trailing slash.
  expect(find('POST', '/API/V1/Trunks/')?.action).toBe('trunk.create');
});

test('outcomes: 2xx success, 401/403 denied, other 4xx rejected, 5xx error', () => {
  expect([200, 201, 204, 401, 403, 404, 409, 422, 500, 503].map(outcomeOf)).toEqual([
    'success',
    'success',
    'success',
    'denied',
    'denied',
    'rejected',
    'rejected',
    'rejected',
    'error',
    'error',
  ]);
});
