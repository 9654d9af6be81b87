/** Liveness, readiness (with a dependency really stopped), metrics, the spec and Swagger UI. */
import { randomUUID } from 'node:crypto';
import { adminToken, createUser, expectProblem, login } from '../support/api';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';

describe('health endpoints of the shared API', () => {
  it('/healthz answers alive; /readyz tells strangers only the status, an administrator every check (F25)', async () => {
    const { apiUrl } = readStack();
    expect(await (await fetch(`${apiUrl}/healthz`)).json()).toEqual({ status: 'alive' });
    const ready = await fetch(`${apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const user = await createUser();
    const userToken = (await login(user.username, user.password)).access_token;
    for (const authorization of [`Bearer ${userToken}`, 'Bearer not-a-token', 'Basic eDp5']) {
      const res = await fetch(`${apiUrl}/readyz`, { headers: { authorization } });
      expect(res.status).toBe(200); // a probe is never refused for its token
      expect(await res.json()).toEqual({ status: 'ready' });
    }

    const admin = await fetch(`${apiUrl}/readyz`, { headers: { authorization: `Bearer ${await adminToken()}` } });
    expect(await admin.json()).toEqual({
      status: 'ready',
      checks: { postgres: { status: 'up' }, temporal: { status: 'up' }, minio: { status: 'up' } },
    });
  });

  it('/metrics needs an administrator: 401 without a token, 403 for a user, Prometheus text for an admin (F25)', async () => {
    const { apiUrl } = readStack();
    const anonymous = await fetch(`${apiUrl}/metrics`);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const problem = await expectProblem(anonymous, 401, 'unauthorized');
    expect(problem.detail).toContain('METRICS_TOKEN');
    await expectProblem(
      await fetch(`${apiUrl}/metrics`, { headers: { authorization: 'Bearer forged' } }),
      401,
      'unauthorized',
    );
    const user = await createUser();
    const userToken = (await login(user.username, user.password)).access_token;
    await expectProblem(
      await fetch(`${apiUrl}/metrics`, { headers: { authorization: `Bearer ${userToken}` } }),
      403,
      'forbidden',
    );

    await fetch(`${apiUrl}/healthz`);
    const res = await fetch(`${apiUrl}/metrics`, { headers: { authorization: `Bearer ${await adminToken()}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/voicecast_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toContain('voicecast_api_process_cpu_seconds_total');
  });

  it('serves the generated OpenAPI 3 spec with the OAuth2 password flow, and Swagger UI', async () => {
    const { apiUrl } = readStack();
    const spec = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { flows: { password: { tokenUrl: string } } }> };
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/me', '/api/v1/users', '/api/v1/users/{id}']),
    );
    expect(spec.components.securitySchemes.oauth2.flows.password.tokenUrl).toBe('/oauth/token');
    const docs = await fetch(`${apiUrl}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });
});

describe('a private API instance', () => {
  const METRICS_TOKEN = `metrics-${randomUUID()}`;
  const withMetricsToken = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
  let extra: ExtraApi;
  beforeAll(async () => {
    // Behind a (simulated) proxy, so each test can claim its own client address.
    extra = await startExtraApi({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_IP: '3', METRICS_TOKEN });
  });
  afterAll(async () => {
    await extra?.stop();
  });

  it('throttles failed logins per client IP across usernames', async () => {
    const user = await createUser();
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const attempt = (username: string, password: string, from: string) =>
      fetch(`${extra.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
        body: new URLSearchParams({ grant_type: 'password', username, password, client_id: 'voicecast' }),
      });
    for (let i = 0; i < 3; i += 1) expect((await attempt(`ghost-${randomUUID()}`, 'x', ip)).status).toBe(400);
    const blocked = await attempt(user.username, user.password, ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt(user.username, user.password, '203.0.113.9')).status).toBe(200);
  });

  it('/metrics and /readyz details answer METRICS_TOKEN; a wrong one is a 401 (F25)', async () => {
    const res = await fetch(`${extra.url}/metrics`, withMetricsToken);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('voicecast_http_requests_total');
    await expectProblem(
      await fetch(`${extra.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } }),
      401,
      'unauthorized',
    );
    expect(await (await fetch(`${extra.url}/readyz`, withMetricsToken)).json()).toMatchObject({
      status: 'ready',
      checks: { minio: { status: 'up' } },
    });
  });

  it('/readyz turns 503 naming MinIO when MinIO is stopped, with no address in the public answer (F25)', async () => {
    expect((await fetch(`${extra.url}/readyz`)).status).toBe(200);
    await extra.minio.stop();
    // The result is cached for a second: the next answers may still be the last "ready".
    let res = await fetch(`${extra.url}/readyz`);
    for (const deadline = Date.now() + 5000; res.status === 200 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 200));
      res = await fetch(`${extra.url}/readyz`);
    }
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await res.text();
    // No address, no host:port, no error text, no checks: only the status and what is down.
    expect(body).not.toMatch(/\d{1,3}(\.\d{1,3}){3}|localhost|[\w\]]:\d{2,5}\b|ECONN|checks/i);
    const problem = JSON.parse(body) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: 'urn:voicecast:problem:not-ready',
      status: 503,
      detail: 'Unavailable: minio.',
    });

    // An operator's token gets the checks with the error text.
    const detailed = await expectProblem(await fetch(`${extra.url}/readyz`, withMetricsToken), 503, 'not-ready');
    expect(detailed.checks).toMatchObject({
      postgres: { status: 'up' },
      temporal: { status: 'up' },
      minio: { status: 'down', error: expect.any(String) },
    });
    // liveness is not readiness
    expect((await fetch(`${extra.url}/healthz`)).status).toBe(200);
  });
});
