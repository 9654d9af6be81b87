/** Liveness, readiness (with a dependency really stopped), metrics, the spec and Swagger UI. */
import { randomUUID } from 'node:crypto';
import { createUser, expectProblem } from '../support/api';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';

describe('health endpoints of the shared API', () => {
  it('/healthz answers alive and /readyz reports every dependency up', async () => {
    const { apiUrl } = readStack();
    expect(await (await fetch(`${apiUrl}/healthz`)).json()).toEqual({ status: 'alive' });
    const ready = await fetch(`${apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { postgres: { status: 'up' }, temporal: { status: 'up' }, minio: { status: 'up' } },
    });
  });

  it('/metrics serves Prometheus text with request counters labelled by route', async () => {
    const { apiUrl } = readStack();
    await fetch(`${apiUrl}/healthz`);
    const res = await fetch(`${apiUrl}/metrics`);
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
  let extra: ExtraApi;
  beforeAll(async () => {
    // Behind a (simulated) proxy, so each test can claim its own client address.
    extra = await startExtraApi({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_IP: '3' });
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

  it('/readyz turns 503 naming MinIO when MinIO is stopped', async () => {
    expect((await fetch(`${extra.url}/readyz`)).status).toBe(200);
    await extra.minio.stop();
    const res = await fetch(`${extra.url}/readyz`);
    const problem = await expectProblem(res, 503, 'not-ready');
    expect(problem.detail).toBe('Unavailable: minio.');
    expect(problem.checks).toMatchObject({
      postgres: { status: 'up' },
      temporal: { status: 'up' },
      minio: { status: 'down', error: expect.any(String) },
    });
    // liveness is not readiness
    expect((await fetch(`${extra.url}/healthz`)).status).toBe(200);
  });
});
