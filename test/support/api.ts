/**
 * Real-HTTP helpers for the integration tests: log in through the real token endpoint and
 * call the running API. Each test creates its own users so tests do not depend on order.
 */
import { randomUUID } from 'node:crypto';
import { readStack } from './stack';

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

export const apiUrl = (): string => readStack().apiUrl;

export async function postForm(
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
  baseUrl = apiUrl(),
) {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export async function passwordLogin(username: string, password: string, baseUrl = apiUrl()): Promise<Response> {
  return postForm('/oauth/token', { grant_type: 'password', username, password, client_id: 'voicecast' }, {}, baseUrl);
}

/** Logs in at the stack's API, or at `baseUrl` (an extra API started by a test). */
export async function login(username: string, password: string, baseUrl = apiUrl()): Promise<TokenResponse> {
  const res = await passwordLogin(username, password, baseUrl);
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenResponse;
}

export async function adminToken(): Promise<string> {
  const { admin } = readStack();
  return (await login(admin.username, admin.password)).access_token;
}

export async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${apiUrl()}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
}

/** Creates a fresh user through the admin API. */
export async function createUser(role: 'admin' | 'user' = 'user'): Promise<TestUser> {
  const username = `t-${randomUUID().slice(0, 12)}`;
  const password = `pw-${randomUUID()}`;
  const res = await call('POST', '/api/v1/users', { token: await adminToken(), body: { username, password, role } });
  if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: string };
  return { id: body.id, username, password };
}

/** A fresh user (role `user`) and its access token: the test files' one way to get a tenant. */
export async function userToken(): Promise<{ id: string; token: string; user: TestUser }> {
  const user = await createUser();
  return { id: user.id, user, token: (await login(user.username, user.password)).access_token };
}

/** Decodes a JWT's header and payload without verifying (the API verifies). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  const parse = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(header), payload: parse(payload) };
}

export async function expectProblem(res: Response, status: number, type: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(`urn:voicecast:problem:${type}`);
  expect(body.status).toBe(status);
  return body;
}

/** The fields a 422 validation problem names, sorted (fails unless `res` is one). */
export async function problemFields(res: Response): Promise<string[]> {
  const problem = await expectProblem(res, 422, 'validation-error');
  return (problem.errors as { field: string }[]).map((e) => e.field).sort();
}
