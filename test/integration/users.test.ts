/** User administration through the real API: roles, validation, conflicts. */
import { adminToken, apiUrl, call, createUser, expectProblem, login } from '../support/api';

describe('/api/v1/users', () => {
  it('lets an admin create, list, read and update users; passwords are never returned', async () => {
    const token = await adminToken();
    const created = await call('POST', '/api/v1/users', {
      token,
      body: { username: `Alice-${Date.now()}`, password: 'a-long-enough-password', displayName: 'Alice' },
    });
    expect(created.status).toBe(201);
    const alice = (await created.json()) as Record<string, unknown>;
    expect(created.headers.get('location')).toBe(`/api/v1/users/${String(alice.id)}`);
    expect(alice).toMatchObject({ role: 'user', disabled: false, displayName: 'Alice' });
    expect(String(alice.username)).toMatch(/^alice-/); // stored lower-case
    expect(JSON.stringify(alice)).not.toMatch(/password/i);

    const got = await call('GET', `/api/v1/users/${String(alice.id)}`, { token });
    expect(await got.json()).toEqual(alice);

    const updated = await call('PATCH', `/api/v1/users/${String(alice.id)}`, {
      token,
      body: { role: 'admin', displayName: null, password: 'another-long-password' },
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ role: 'admin', displayName: null });
    await login(String(alice.username), 'another-long-password');
  });

  it('pages through users with a cursor, each user exactly once', async () => {
    const token = await adminToken();
    await createUser();
    await createUser();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call('GET', `/api/v1/users?limit=2${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`, {
        token,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { username: string }[]; nextCursor?: string };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.username));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it('answers 403 problem+json when a plain user calls an admin endpoint', async () => {
    const user = await createUser();
    const { access_token } = await login(user.username, user.password);
    await expectProblem(await call('GET', '/api/v1/users', { token: access_token }), 403, 'forbidden');
    await expectProblem(
      await call('POST', '/api/v1/users', {
        token: access_token,
        body: { username: 'xyz', password: 'long-enough-pw-1' },
      }),
      403,
      'forbidden',
    );
    // but a user may read their own record
    expect((await call('GET', `/api/v1/users/${user.id}`, { token: access_token })).status).toBe(200);
  });

  it('answers 422 naming every invalid field, and creates nothing', async () => {
    const token = await adminToken();
    const res = await call('POST', '/api/v1/users', {
      token,
      body: { username: 'no spaces!', password: 'short', role: 'root', surprise: true },
    });
    const problem = await expectProblem(res, 422, 'validation-error');
    const fields = (problem.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['body.password', 'body.role', 'body.surprise', 'body.username']);
    expect(JSON.stringify(problem)).not.toContain('short'); // submitted values are not echoed
  });

  it('answers 422 for a bad query parameter and 400 for malformed JSON', async () => {
    const token = await adminToken();
    const problem = await expectProblem(await call('GET', '/api/v1/users?limit=0', { token }), 422, 'validation-error');
    expect(JSON.stringify(problem.errors)).toContain('limit');
    const malformed = await fetch(`${apiUrl()}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"username":',
    });
    await expectProblem(malformed, 400, 'invalid-json');
  });

  it('answers 409 for a taken username and 404 for an unknown user', async () => {
    const token = await adminToken();
    const user = await createUser();
    const dup = await call('POST', '/api/v1/users', {
      token,
      body: { username: user.username.toUpperCase(), password: 'long-enough-password' },
    });
    const problem = await expectProblem(dup, 409, 'conflict');
    expect(problem.errors).toEqual([{ field: 'body.username', message: 'already taken' }]);
    await expectProblem(
      await call('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000', { token }),
      404,
      'not-found',
    );
  });

  it('answers 404 problem+json for unknown routes, authenticated or not', async () => {
    await expectProblem(await call('GET', '/api/v1/no-such-thing'), 404, 'not-found');
  });
});
