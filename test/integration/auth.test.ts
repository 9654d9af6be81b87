/**
 * OAuth 2.0 against the running API: password, refresh and revocation, and every way a
 * token can be wrong. Negative tokens differ from an accepted control in one thing only.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  adminToken,
  apiUrl,
  call,
  createUser,
  decodeJwt,
  expectProblem,
  login,
  passwordLogin,
  postForm,
} from '../support/api';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { realSigningKey, signEs256, unsigned } from '../support/jwt';
import {
  forwardingProxy,
  loopbackSource,
  passwordLoginFrom,
  requestFrom,
  type ForwardingProxy,
} from '../support/loopback-source';
import { readStack } from '../support/stack';

const limitPerPair = Number(readStack().env.LOGIN_MAX_FAILURES_PER_USERNAME ?? 5);

describe('discovery', () => {
  it('publishes the discovery document and the JWKS', async () => {
    const { apiUrl } = readStack();
    const discovery = (await (await fetch(`${apiUrl}/oauth/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.issuer).toBe(`${apiUrl}/oauth`);
    expect(discovery.token_endpoint).toBe(`${apiUrl}/oauth/token`);
    expect(discovery.revocation_endpoint).toBe(`${apiUrl}/oauth/token/revocation`);
    expect(discovery.grant_types_supported).toEqual(
      expect.arrayContaining(['password', 'refresh_token', 'client_credentials']),
    );
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d'); // never the private part
    }
  });
});

describe('password grant', () => {
  it('issues a short-lived ES256 JWT for the API audience and a refresh token', async () => {
    const user = await createUser();
    const res = await passwordLogin(user.username, user.password);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const body = (await res.json()) as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
      token_type: string;
    };
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeGreaterThan(0);
    expect(body.expires_in).toBeLessThanOrEqual(300);
    expect(body.refresh_token).toEqual(expect.any(String));
    const { header, payload } = decodeJwt(body.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: user.id, client_id: 'voicecast', aud: `${readStack().apiUrl}/api` });

    const me = await call('GET', '/api/v1/me', { token: body.access_token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id, username: user.username, role: 'user', kind: 'user' });
  });

  it('matches usernames case-insensitively', async () => {
    const user = await createUser();
    expect((await passwordLogin(user.username.toUpperCase(), user.password)).status).toBe(200);
  });

  it('answers invalid_grant for a wrong password or an unknown user', async () => {
    const user = await createUser();
    for (const res of [await passwordLogin(user.username, 'wrong-password'), await passwordLogin('nobody-here', 'x')]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    }
  });

  it('answers invalid_request when the password is missing', async () => {
    const res = await postForm('/oauth/token', { grant_type: 'password', username: 'x', client_id: 'voicecast' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('rejects an unknown client', async () => {
    const user = await createUser();
    const res = await postForm('/oauth/token', {
      grant_type: 'password',
      username: user.username,
      password: user.password,
      client_id: 'not-a-client',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('accepts the public client as HTTP Basic with an empty secret, as Swagger UI sends it', async () => {
    const user = await createUser();
    const basic = `Basic ${Buffer.from('voicecast:').toString('base64')}`;
    const ok = await postForm(
      '/oauth/token',
      { grant_type: 'password', username: user.username, password: user.password },
      { authorization: basic },
    );
    expect(ok.status).toBe(200);
    const withSecret = await postForm(
      '/oauth/token',
      { grant_type: 'password', username: user.username, password: user.password },
      { authorization: `Basic ${Buffer.from('voicecast:guess').toString('base64')}` },
    );
    expect(withSecret.status).toBe(401);
  });
});

describe('browser access (CORS) to the token endpoint', () => {
  const fromOrigin = async (origin: string) => {
    const user = await createUser();
    return postForm(
      '/oauth/token',
      { grant_type: 'password', username: user.username, password: user.password, client_id: 'voicecast' },
      { origin },
    );
  };

  it("allows the API's own origin (Swagger UI)", async () => {
    const res = await fromOrigin(readStack().apiUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(readStack().apiUrl);
  });

  it('refuses other origins', async () => {
    const res = await fromOrigin('https://evil.example');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('refresh and revocation', () => {
  it('refreshes, and a revoked refresh token stops both refreshing and its access tokens', async () => {
    const user = await createUser();
    const first = await login(user.username, user.password);
    const refreshed = await postForm('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      client_id: 'voicecast',
    });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect((await call('GET', '/api/v1/me', { token: second.access_token })).status).toBe(200);

    const revoked = await postForm('/oauth/token/revocation', {
      token: second.refresh_token,
      token_type_hint: 'refresh_token',
      client_id: 'voicecast',
    });
    expect(revoked.status).toBe(200);

    await expectProblem(await call('GET', '/api/v1/me', { token: second.access_token }), 401, 'unauthorized');
    await expectProblem(await call('GET', '/api/v1/me', { token: first.access_token }), 401, 'unauthorized');
    const again = await postForm('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token,
      client_id: 'voicecast',
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('treats reuse of a rotated refresh token as theft and revokes the whole grant', async () => {
    const user = await createUser();
    const first = await login(user.username, user.password);
    const form = { grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: 'voicecast' };
    const second = (await (await postForm('/oauth/token', form)).json()) as { access_token: string };
    const replay = await postForm('/oauth/token', form);
    expect(replay.status).toBe(400);
    await expectProblem(await call('GET', '/api/v1/me', { token: second.access_token }), 401, 'unauthorized');
  });
});

describe('access token verification', () => {
  let control: Record<string, unknown>;
  let signing: Awaited<ReturnType<typeof realSigningKey>>;
  const header = () => ({ alg: 'ES256', typ: 'at+jwt', kid: signing.kid });
  const me = (token: string) => call('GET', '/api/v1/me', { token });

  beforeAll(async () => {
    const user = await createUser();
    control = decodeJwt((await login(user.username, user.password)).access_token).payload;
    signing = await realSigningKey(readStack().databaseUrl);
  });

  it('accepts a token signed with the real key and the right claims (the control)', async () => {
    expect((await me(signEs256(header(), control, signing.key))).status).toBe(200);
  });

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = await expectProblem(
      await me(signEs256(header(), { ...control, iat: now - 600, exp: now - 300 }, signing.key)),
      401,
      'unauthorized',
    );
    expect(body.detail).toMatch(/expired/);
  });

  it('rejects a token for another audience', async () => {
    await expectProblem(
      await me(signEs256(header(), { ...control, aud: 'https://other.example/api' }, signing.key)),
      401,
      'unauthorized',
    );
  });

  it('rejects a token from another issuer', async () => {
    await expectProblem(
      await me(signEs256(header(), { ...control, iss: 'https://evil.example/oauth' }, signing.key)),
      401,
      'unauthorized',
    );
  });

  it('rejects a forged token signed with another key under the same kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const body = await expectProblem(await me(signEs256(header(), control, privateKey)), 401, 'unauthorized');
    expect(body.detail).toMatch(/signature/);
  });

  it('rejects alg none', async () => {
    await expectProblem(await me(unsigned(header(), control)), 401, 'unauthorized');
  });

  it('rejects a token that is not an access token (typ JWT)', async () => {
    await expectProblem(await me(signEs256({ ...header(), typ: 'JWT' }, control, signing.key)), 401, 'unauthorized');
  });

  it('rejects garbage and a missing bearer prefix', async () => {
    await expectProblem(await me('not.a.jwt'), 401, 'unauthorized');
    const res = await call('GET', '/api/v1/me', { headers: { authorization: 'Token abc' } });
    await expectProblem(res, 401, 'unauthorized');
  });
});

describe('login throttling', () => {
  it('answers 429 with Retry-After after repeated failures for a username, even for the right password', async () => {
    const user = await createUser();
    const limit = Number(readStack().env.LOGIN_MAX_FAILURES_PER_USERNAME ?? 5);
    for (let i = 0; i < limit; i += 1) expect((await passwordLogin(user.username, `wrong-${i}`)).status).toBe(400);
    const blocked = await passwordLogin(user.username, user.password);
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(Number(readStack().env.LOGIN_FAILURE_WINDOW_SECONDS ?? 900));
    expect(await blocked.json()).toMatchObject({ error: 'too_many_requests' });
    // Other users are not affected.
    const other = await createUser();
    expect((await passwordLogin(other.username, other.password)).status).toBe(200);
  });
  it('cannot be raced: 30 concurrent wrong passwords give at most the limit of invalid_grant, the rest 429', async () => {
    const user = await createUser();
    const source = loopbackSource();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => passwordLoginFrom(source, apiUrl(), user.username, `wrong-${i}`)),
    );
    const statuses = answers.map((a) => a.status);
    const invalid = answers.filter((a) => a.status === 400);
    expect(invalid.length).toBeGreaterThanOrEqual(1);
    expect(invalid.length).toBeLessThanOrEqual(limitPerPair);
    for (const a of invalid) expect(a.json()).toMatchObject({ error: 'invalid_grant' });
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - invalid.length);
    // Still locked for this source, the right password included.
    expect((await passwordLoginFrom(source, apiUrl(), user.username, user.password)).status).toBe(429);
  });

  it('cannot lock a user out: the right password from another source logs in while one source is throttled', async () => {
    const user = await createUser();
    const attacker = loopbackSource();
    for (let i = 0; i < limitPerPair; i += 1) {
      expect((await passwordLoginFrom(attacker, apiUrl(), user.username, `wrong-${i}`)).status).toBe(400);
    }
    expect((await passwordLoginFrom(attacker, apiUrl(), user.username, user.password)).status).toBe(429);
    const owner = await passwordLoginFrom(loopbackSource(), apiUrl(), user.username, user.password);
    expect(owner.status).toBe(200);
    expect(owner.json()).toHaveProperty('access_token');
    // The owner's success does not unlock the attacker's source.
    expect((await passwordLoginFrom(attacker, apiUrl(), user.username, user.password)).status).toBe(429);
  });

  it('slows a username guessed from many sources instead of locking it', async () => {
    const user = await createUser();
    const sources = Array.from({ length: 3 }, () => loopbackSource());
    for (const source of sources) {
      for (let i = 0; i < limitPerPair; i += 1) {
        expect((await passwordLoginFrom(source, apiUrl(), user.username, `wrong-${i}`)).status).toBe(400);
      }
    }
    // 3 × limit failures: the back-off is at its 4 s ceiling, but the right password gets in.
    const started = Date.now();
    const owner = await passwordLoginFrom(loopbackSource(), apiUrl(), user.username, user.password);
    expect(owner.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
    // The success cleared the username: the next login is not slowed.
    const again = Date.now();
    expect((await passwordLoginFrom(loopbackSource(), apiUrl(), user.username, user.password)).status).toBe(200);
    expect(Date.now() - again).toBeLessThan(3_000);
  });
});

describe('login throttling behind a trusted proxy (TRUST_PROXY=true)', () => {
  let extra: ExtraApi;
  let proxy: ForwardingProxy;
  beforeAll(async () => {
    extra = await startExtraApi({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_IP: '20' });
    proxy = await forwardingProxy(extra.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await extra?.stop();
  });

  it('counts the address the proxy appended, not X-Forwarded-For values the client wrote', async () => {
    const client = loopbackSource();
    const answers = [];
    for (let i = 0; i < 25; i += 1) {
      answers.push(
        await passwordLoginFrom(client, proxy.url, `ghost-${randomUUID()}`, 'x', {
          'x-forwarded-for': `198.51.100.${i + 1}`,
        }),
      );
    }
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(400));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
    const user = await createUser();
    // The same client-written value from another address behind the proxy is another source.
    expect((await passwordLoginFrom(client, proxy.url, user.username, user.password)).status).toBe(429);
    const other = await passwordLoginFrom(loopbackSource(), proxy.url, user.username, user.password, {
      'x-forwarded-for': '198.51.100.1',
    });
    expect(other.status).toBe(200);
  });
});

describe('password changes end every session', () => {
  it("an admin's password reset revokes the user's refresh tokens and access tokens", async () => {
    const user = await createUser();
    const first = await login(user.username, user.password);
    const second = await login(user.username, user.password);
    expect((await call('GET', '/api/v1/me', { token: first.access_token })).status).toBe(200);

    const newPassword = `new-${randomUUID()}`;
    const reset = await call('PATCH', `/api/v1/users/${user.id}`, {
      token: await adminToken(),
      body: { password: newPassword },
    });
    expect(reset.status).toBe(200);

    for (const session of [first, second]) {
      await expectProblem(await call('GET', '/api/v1/me', { token: session.access_token }), 401, 'unauthorized');
      const refresh = await postForm('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: session.refresh_token!,
        client_id: 'voicecast',
      });
      expect(refresh.status).toBe(400);
      expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    }
    const source = loopbackSource();
    expect((await passwordLoginFrom(source, apiUrl(), user.username, user.password)).status).toBe(400);
    const fresh = await login(user.username, newPassword);
    expect((await call('GET', '/api/v1/me', { token: fresh.access_token })).status).toBe(200);
  });

  it('a display-name change keeps the sessions (only password and disable end them)', async () => {
    const user = await createUser();
    const tokens = await login(user.username, user.password);
    const renamed = await call('PATCH', `/api/v1/users/${user.id}`, {
      token: await adminToken(),
      body: { displayName: 'Renamed' },
    });
    expect(renamed.status).toBe(200);
    expect((await call('GET', '/api/v1/me', { token: tokens.access_token })).status).toBe(200);
  });

  it('POST /api/v1/me/password checks the current password, then ends every session', async () => {
    const user = await createUser();
    const other = await login(user.username, user.password);
    const mine = await login(user.username, user.password);
    const source = loopbackSource();
    const change = (body: unknown) =>
      requestFrom(source, `${apiUrl()}/api/v1/me/password`, {
        method: 'POST',
        headers: { authorization: `Bearer ${mine.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const newPassword = `new-${randomUUID()}`;

    const wrong = await change({ currentPassword: 'not-my-password', newPassword });
    expect(wrong.status).toBe(422);
    expect(wrong.json()).toMatchObject({ errors: [{ field: 'body.currentPassword' }] });
    expect(wrong.text).not.toContain(newPassword);
    const short = await change({ currentPassword: user.password, newPassword: 'short' });
    expect(short.status).toBe(422);
    expect(short.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'body.newPassword' })] });
    // Nothing changed yet.
    expect((await call('GET', '/api/v1/me', { token: other.access_token })).status).toBe(200);

    const ok = await change({ currentPassword: user.password, newPassword });
    expect(ok.status).toBe(204);
    for (const session of [mine, other]) {
      await expectProblem(await call('GET', '/api/v1/me', { token: session.access_token }), 401, 'unauthorized');
      const refresh = await postForm('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: session.refresh_token!,
        client_id: 'voicecast',
      });
      expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    }
    expect((await passwordLoginFrom(source, apiUrl(), user.username, user.password)).status).toBe(400);
    expect((await passwordLoginFrom(source, apiUrl(), user.username, newPassword)).status).toBe(200);
  });

  it("refuses a machine client changing its owner's password (403), and the password stays", async () => {
    const owner = await createUser();
    const created = await call('POST', '/api/v1/clients', {
      token: await adminToken(),
      body: { name: 'pw-change', ownerId: owner.id },
    });
    const client = (await created.json()) as { id: string; clientSecret: string };
    const issued = await postForm(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'api' },
      { authorization: `Basic ${Buffer.from(`${client.id}:${client.clientSecret}`).toString('base64')}` },
    );
    const { access_token } = (await issued.json()) as { access_token: string };
    const res = await call('POST', '/api/v1/me/password', {
      token: access_token,
      body: { currentPassword: owner.password, newPassword: `new-${randomUUID()}` },
    });
    await expectProblem(res, 403, 'forbidden');
    expect((await passwordLogin(owner.username, owner.password)).status).toBe(200);
  });

  it('throttles wrong current passwords like failed logins', async () => {
    const user = await createUser();
    const tokens = await login(user.username, user.password);
    const source = loopbackSource();
    const change = (currentPassword: string) =>
      requestFrom(source, `${apiUrl()}/api/v1/me/password`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword, newPassword: `new-${randomUUID()}` }),
      });
    for (let i = 0; i < limitPerPair; i += 1) expect((await change(`wrong-${i}`)).status).toBe(422);
    const throttled = await change(user.password);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.json()).toMatchObject({ type: 'urn:voicecast:problem:too-many-requests' });
    // Not changed: the old password still logs in from elsewhere.
    expect((await passwordLoginFrom(loopbackSource(), apiUrl(), user.username, user.password)).status).toBe(200);
  });
});

describe('disabled users', () => {
  it('locks a disabled user out: no login, no refresh, existing tokens stop working', async () => {
    const user = await createUser();
    const tokens = await login(user.username, user.password);
    expect((await call('GET', '/api/v1/me', { token: tokens.access_token })).status).toBe(200);

    const disable = await call('PATCH', `/api/v1/users/${user.id}`, {
      token: await adminToken(),
      body: { disabled: true },
    });
    expect(disable.status).toBe(200);
    expect(await disable.json()).toMatchObject({ disabled: true });

    await expectProblem(await call('GET', '/api/v1/me', { token: tokens.access_token }), 401, 'unauthorized');
    expect((await passwordLogin(user.username, user.password)).status).toBe(400);
    const refresh = await postForm('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: 'voicecast',
    });
    expect(refresh.status).toBe(400);

    const enable = await call('PATCH', `/api/v1/users/${user.id}`, {
      token: await adminToken(),
      body: { disabled: false },
    });
    expect(enable.status).toBe(200);
    expect((await passwordLogin(user.username, user.password)).status).toBe(200);
  });
});
