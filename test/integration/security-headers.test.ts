/**
 * F30: security headers on every kind of response of the real API (data, errors, OAuth,
 * health, the spec, Swagger UI), HSTS only when PUBLIC_URL is https. That Swagger UI still
 * works under its CSP is test/e2e/swagger-ui.test.ts, in a real browser.
 */
import { API_CSP, DOCS_CSP, HSTS } from '../../api/security-headers';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { adminToken, apiUrl, createUser, login, postForm } from '../support/api';

const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function headersOf(res: Response): Record<string, string | null> {
  return Object.fromEntries(
    [...Object.keys(BASE_HEADERS), 'content-security-policy', 'strict-transport-security'].map((h) => [
      h,
      res.headers.get(h),
    ]),
  );
}

describe('security headers (F30)', () => {
  it('are on data, errors, OAuth, health and the spec, with a CSP that lets nothing load; no HSTS over http', async () => {
    const user = await createUser();
    const { access_token: token } = await login(user.username, user.password);
    const admin = await adminToken();
    const responses: [string, Response][] = [
      ['GET /api/v1/me', await fetch(`${apiUrl()}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })],
      ['GET /api/v1/me without a token (401)', await fetch(`${apiUrl()}/api/v1/me`)],
      [
        'GET /api/v1/users as a user (403)',
        await fetch(`${apiUrl()}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } }),
      ],
      ['GET /api/v1/users', await fetch(`${apiUrl()}/api/v1/users`, { headers: { authorization: `Bearer ${admin}` } })],
      ['GET /nowhere (404)', await fetch(`${apiUrl()}/nowhere`)],
      [
        'POST /oauth/token, wrong password (400)',
        await postForm('/oauth/token', {
          grant_type: 'password',
          username: user.username,
          password: 'wrong-password-1',
        }),
      ],
      ['GET /oauth/jwks', await fetch(`${apiUrl()}/oauth/jwks`)],
      ['GET /healthz', await fetch(`${apiUrl()}/healthz`)],
      ['GET /openapi.json', await fetch(`${apiUrl()}/openapi.json`)],
    ];
    for (const [what, res] of responses) {
      expect({ what, ...headersOf(res) }).toEqual({
        what,
        ...BASE_HEADERS,
        'content-security-policy': API_CSP,
        'strict-transport-security': null,
      });
    }
    expect(responses.map(([, r]) => r.status)).toEqual([200, 401, 403, 200, 404, 400, 200, 200, 200]);
  });

  it('give Swagger UI under /docs its own CSP, and it keeps tokens out of localStorage', async () => {
    for (const path of ['/docs/', '/docs/swagger-ui-init.js', '/docs/swagger-ui.css']) {
      const res = await fetch(`${apiUrl()}${path}`);
      expect({ path, status: res.status, ...headersOf(res) }).toEqual({
        path,
        status: 200,
        ...BASE_HEADERS,
        'content-security-policy': DOCS_CSP,
        'strict-transport-security': null,
      });
    }
    const init = await (await fetch(`${apiUrl()}/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('"persistAuthorization": false');
    // The page runs no inline script, which the CSP would block.
    const page = await (await fetch(`${apiUrl()}/docs/`)).text();
    expect(page).not.toMatch(/<script>|<script[^>]*>\s*[^<\s]/);
  });

  describe('with an https PUBLIC_URL (TLS ending in a proxy in front of the API)', () => {
    let api: ExtraApi;
    beforeAll(async () => {
      api = await startExtraApi({ PUBLIC_URL: 'https://calls.example.test', TRUST_PROXY: 'true' });
    }, 60_000);
    afterAll(async () => {
      await api?.stop();
    });

    it('add Strict-Transport-Security to every response', async () => {
      for (const path of ['/healthz', '/api/v1/me', '/docs/', '/nowhere']) {
        const res = await fetch(`${api.url}${path}`);
        expect({ path, hsts: res.headers.get('strict-transport-security') }).toEqual({ path, hsts: HSTS });
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });
  });
});
