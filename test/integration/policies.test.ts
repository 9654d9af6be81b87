/**
 * Communication policies through the real API: the owner's frequency cap
 * (`/api/v1/policies`), the administrator's tenant limit (`/api/v1/users/{id}/limits`),
 * validation naming the field, and who may set what. Enforcement is tested in
 * policy-enforcement.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { adminToken, call, createUser, expectProblem, login, userToken } from '../support/api';
import { withDatabase } from '../support/contact-lists';
import { startExtraApi, type ExtraApi } from '../support/extra-api';

async function ok(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** `effective` of GET /policies for a user without a department: the owner's (or default) values bind. */
const effective = (cap: unknown, capSource: string, concurrent: number | null, concurrentSource: string) => ({
  maxConcurrentCalls: expect.objectContaining({ value: concurrent, source: concurrentSource }),
  maxCallsPerDay: expect.objectContaining({ value: null, source: 'none' }),
  frequencyCap: expect.objectContaining({ value: cap, source: capSource }),
});

const fields = (problem: Record<string, unknown>) => (problem.errors as { field: string }[]).map((e) => e.field);

describe('/api/v1/policies', () => {
  test("an owner reads the installation's defaults, sets a cap, turns it off, and goes back to the default", async () => {
    const { token } = await userToken();
    const defaults = {
      frequencyCap: null,
      frequencyCapSource: 'default',
      maxConcurrentCalls: 100,
      maxConcurrentCallsSource: 'default',
      maxWebhooks: 20,
      maxWebhooksSource: 'default',
      maxUploadsInFlight: 4,
      maxUploadsInFlightSource: 'default',
      complianceProfile: 'none',
      department: null,
      effective: effective(null, 'none', 100, 'default'),
    };
    expect(await ok(await call('GET', '/api/v1/policies', { token }))).toEqual(defaults);

    const cap = { maxCalls: 2, windowSeconds: 3600 };
    const set = await ok(await call('PUT', '/api/v1/policies', { token, body: { frequencyCap: cap } }));
    const withCap = {
      frequencyCap: cap,
      frequencyCapSource: 'owner',
      effective: effective(cap, 'owner', 100, 'default'),
    };
    expect(set).toEqual({ ...defaults, ...withCap });
    expect(await ok(await call('GET', '/api/v1/policies', { token }))).toEqual(set);

    const off = await ok(await call('PUT', '/api/v1/policies', { token, body: { frequencyCap: null } }));
    expect(off).toEqual({ ...defaults, frequencyCapSource: 'owner' });
    expect(await ok(await call('PUT', '/api/v1/policies', { token, body: {} }))).toEqual(defaults);
  });

  test("each owner has their own policy: one owner's cap is not another's", async () => {
    const [a, b] = await Promise.all([userToken(), userToken()]);
    const cap = { maxCalls: 1, windowSeconds: 60 };
    await ok(await call('PUT', '/api/v1/policies', { token: a.token, body: { frequencyCap: cap } }));
    expect(await ok(await call('GET', '/api/v1/policies', { token: b.token }))).toMatchObject({
      frequencyCap: null,
      frequencyCapSource: 'default',
    });
    expect(await ok(await call('GET', '/api/v1/policies', { token: a.token }))).toMatchObject({ frequencyCap: cap });
  });

  test('bad values are 422 naming the field, and change nothing', async () => {
    const { token } = await userToken();
    const cap = { maxCalls: 3, windowSeconds: 600 };
    await ok(await call('PUT', '/api/v1/policies', { token, body: { frequencyCap: cap } }));
    const bad: [unknown, string][] = [
      [{ maxCalls: 0, windowSeconds: 60 }, 'body.frequencyCap.maxCalls'],
      [{ maxCalls: 1.5, windowSeconds: 60 }, 'body.frequencyCap.maxCalls'],
      [{ maxCalls: 1001, windowSeconds: 60 }, 'body.frequencyCap.maxCalls'],
      [{ maxCalls: 1, windowSeconds: 0 }, 'body.frequencyCap.windowSeconds'],
      [{ maxCalls: 1, windowSeconds: 30 * 24 * 3600 + 1 }, 'body.frequencyCap.windowSeconds'],
      [{ maxCalls: -1, windowSeconds: 2.5 }, 'body.frequencyCap.maxCalls,body.frequencyCap.windowSeconds'],
      // A member missing is named; not an object of the right shape at all: the cap itself is.
      [{ maxCalls: 1 }, 'body.frequencyCap.windowSeconds'],
      [{ maxCalls: 'two', windowSeconds: 60 }, 'body.frequencyCap.maxCalls'],
      [5, 'body.frequencyCap'],
    ];
    for (const [frequencyCap, field] of bad) {
      const problem = await expectProblem(
        await call('PUT', '/api/v1/policies', { token, body: { frequencyCap } }),
        422,
        'validation-error',
      );
      expect([frequencyCap, fields(problem).join()]).toEqual([frequencyCap, field]);
    }
    // The tenant limit is not the owner's to set: an unknown field here.
    const own = await expectProblem(
      await call('PUT', '/api/v1/policies', { token, body: { frequencyCap: cap, maxConcurrentCalls: 500 } }),
      422,
      'validation-error',
    );
    expect(JSON.stringify(own.errors)).toMatch(/maxConcurrentCalls/);
    expect(await ok(await call('GET', '/api/v1/policies', { token }))).toMatchObject({
      frequencyCap: cap,
      maxConcurrentCalls: 100,
    });
  });

  test('without a token: 401', async () => {
    await expectProblem(await call('GET', '/api/v1/policies'), 401, 'unauthorized');
    await expectProblem(await call('PUT', '/api/v1/policies', { body: {} }), 401, 'unauthorized');
  });
});

describe("the installation's frequency cap is a floor (F23)", () => {
  // An API whose operator set FREQUENCY_CAP_MAX_CALLS=3 per day.
  let extra: ExtraApi;
  beforeAll(async () => {
    extra = await startExtraApi({ FREQUENCY_CAP_MAX_CALLS: '3', FREQUENCY_CAP_WINDOW_SECONDS: '86400' });
  });
  afterAll(async () => {
    await extra?.stop();
  });
  const floor = { maxCalls: 3, windowSeconds: 86400 };
  const put = (token: string, body: unknown) =>
    fetch(`${extra.url}/api/v1/policies`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const get = async (token: string) =>
    ok(await fetch(`${extra.url}/api/v1/policies`, { headers: { authorization: `Bearer ${token}` } }));
  const extraToken = async () => {
    const user = await createUser();
    return { id: user.id, token: (await login(user.username, user.password, extra.url)).access_token };
  };

  test('an owner tightens it; turning it off or loosening it is a 422 naming the field, and changes nothing', async () => {
    const { token } = await extraToken();
    expect(await get(token)).toMatchObject({ frequencyCap: floor, frequencyCapSource: 'default' });

    const refused: [unknown, string, RegExp][] = [
      [null, 'body.frequencyCap', /is a minimum: it cannot be turned off/],
      [{ maxCalls: 4, windowSeconds: 86400 }, 'body.frequencyCap.maxCalls', /at most 3/],
      [{ maxCalls: 1, windowSeconds: 3600 }, 'body.frequencyCap.windowSeconds', /at least 86400/],
      [{ maxCalls: 5, windowSeconds: 7 * 86400 }, 'body.frequencyCap.maxCalls', /at most 3/],
    ];
    for (const [frequencyCap, field, message] of refused) {
      const problem = await expectProblem(await put(token, { frequencyCap }), 422, 'validation-error');
      expect([frequencyCap, fields(problem).join()]).toEqual([frequencyCap, field]);
      expect(JSON.stringify(problem.errors)).toMatch(message);
    }
    expect(await get(token)).toMatchObject({ frequencyCap: floor, frequencyCapSource: 'default' });

    const tighter = { maxCalls: 1, windowSeconds: 7 * 86400 };
    expect(await ok(await put(token, { frequencyCap: tighter }))).toMatchObject({
      frequencyCap: tighter,
      frequencyCapSource: 'owner',
    });
    expect(await ok(await put(token, { frequencyCap: floor }))).toMatchObject({ frequencyCapSource: 'owner' });
    expect(await ok(await put(token, {}))).toMatchObject({ frequencyCap: floor, frequencyCapSource: 'default' });
  });

  test('a cap stored before the operator set the default (off, or looser) gives way to it', async () => {
    const { id, token } = await extraToken();
    for (const [maxCalls, windowSeconds] of [
      [0, null],
      [10, 3600],
    ] as const) {
      await withDatabase((db) =>
        db.query(
          `INSERT INTO owner_policy (owner_id, frequency_cap_max_calls, frequency_cap_window_seconds, updated_at)
           VALUES ($1, $2, $3, now())
           ON CONFLICT (owner_id) DO UPDATE SET frequency_cap_max_calls = $2, frequency_cap_window_seconds = $3`,
          [id, maxCalls, windowSeconds],
        ),
      );
      expect(await get(token)).toMatchObject({ frequencyCap: floor, frequencyCapSource: 'default' });
    }
  });
});

describe('/api/v1/users/{id}/limits', () => {
  test("an administrator sets a user's tenant limit; the user sees it in their policies", async () => {
    const admin = await adminToken();
    const user = await userToken();
    expect(await ok(await call('GET', `/api/v1/users/${user.id}/limits`, { token: admin }))).toEqual({
      userId: user.id,
      maxConcurrentCalls: 100,
      maxConcurrentCallsSource: 'default',
      maxWebhooks: 20,
      maxWebhooksSource: 'default',
      maxUploadsInFlight: 4,
      maxUploadsInFlightSource: 'default',
    });
    const set = await ok(
      await call('PUT', `/api/v1/users/${user.id}/limits`, { token: admin, body: { maxConcurrentCalls: 7 } }),
    );
    expect(set).toEqual({
      userId: user.id,
      maxConcurrentCalls: 7,
      maxConcurrentCallsSource: 'administrator',
      maxWebhooks: 20,
      maxWebhooksSource: 'default',
      maxUploadsInFlight: 4,
      maxUploadsInFlightSource: 'default',
    });
    expect(await ok(await call('GET', '/api/v1/policies', { token: user.token }))).toMatchObject({
      maxConcurrentCalls: 7,
      maxConcurrentCallsSource: 'administrator',
    });
    // The owner's own cap and the administrator's limit live side by side.
    const cap = { maxCalls: 1, windowSeconds: 5 };
    await ok(await call('PUT', '/api/v1/policies', { token: user.token, body: { frequencyCap: cap } }));
    expect(await ok(await call('GET', `/api/v1/users/${user.id}/limits`, { token: admin }))).toMatchObject({
      maxConcurrentCalls: 7,
    });
    await ok(
      await call('PUT', `/api/v1/users/${user.id}/limits`, { token: admin, body: { maxConcurrentCalls: null } }),
    );
    expect(await ok(await call('GET', '/api/v1/policies', { token: user.token }))).toEqual({
      frequencyCap: cap,
      frequencyCapSource: 'owner',
      maxConcurrentCalls: 100,
      maxConcurrentCallsSource: 'default',
      maxWebhooks: 20,
      maxWebhooksSource: 'default',
      maxUploadsInFlight: 4,
      maxUploadsInFlightSource: 'default',
      complianceProfile: 'none',
      department: null,
      effective: effective(cap, 'owner', 100, 'default'),
    });
  });

  test('only administrators: a user gets 403 even for their own limits, and nothing changes', async () => {
    const user = await userToken();
    const other = await userToken();
    for (const id of [user.id, other.id]) {
      await expectProblem(await call('GET', `/api/v1/users/${id}/limits`, { token: user.token }), 403, 'forbidden');
      await expectProblem(
        await call('PUT', `/api/v1/users/${id}/limits`, { token: user.token, body: { maxConcurrentCalls: 1000 } }),
        403,
        'forbidden',
      );
    }
    expect(await ok(await call('GET', '/api/v1/policies', { token: user.token }))).toMatchObject({
      maxConcurrentCalls: 100,
    });
  });

  test('bad values are 422 naming the field; an unknown user is 404', async () => {
    const admin = await adminToken();
    const user = await userToken();
    for (const value of [0, -1, 2.5, 100_001, 'ten']) {
      const problem = await expectProblem(
        await call('PUT', `/api/v1/users/${user.id}/limits`, { token: admin, body: { maxConcurrentCalls: value } }),
        422,
        'validation-error',
      );
      expect([value, fields(problem)]).toEqual([value, ['body.maxConcurrentCalls']]);
    }
    for (const value of [0, 1001, 1.5]) {
      const problem = await expectProblem(
        await call('PUT', `/api/v1/users/${user.id}/limits`, { token: admin, body: { maxWebhooks: value } }),
        422,
        'validation-error',
      );
      expect([value, fields(problem)]).toEqual([value, ['body.maxWebhooks']]);
    }
    const missing = await expectProblem(
      await call('PUT', `/api/v1/users/${user.id}/limits`, { token: admin, body: {} }),
      422,
      'validation-error',
    );
    expect(fields(missing)).toEqual(['body.maxConcurrentCalls', 'body.maxWebhooks', 'body.maxUploadsInFlight']);
    const unknown = randomUUID();
    await expectProblem(await call('GET', `/api/v1/users/${unknown}/limits`, { token: admin }), 404, 'not-found');
    await expectProblem(
      await call('PUT', `/api/v1/users/${unknown}/limits`, { token: admin, body: { maxConcurrentCalls: 3 } }),
      404,
      'not-found',
    );
    expect(await ok(await call('GET', `/api/v1/users/${user.id}/limits`, { token: admin }))).toMatchObject({
      maxConcurrentCalls: 100,
      maxConcurrentCallsSource: 'default',
      maxWebhooks: 20,
    });
  });
});

describe('webhooks per owner (F13)', () => {
  const hook = (token: string, i: number) =>
    call('POST', '/api/v1/webhooks', { token, body: { url: `https://hooks.example.com/${i}` } });

  test('the 21st webhook is a 409 naming maxWebhooks; an administrator raises the limit, the owner gets one more', async () => {
    const admin = await adminToken();
    const user = await userToken();
    const other = await userToken();
    // 20 at once: the count is taken under a lock, so concurrent creates cannot pass the limit.
    const created = await Promise.all(Array.from({ length: 22 }, (_, i) => hook(user.token, i)));
    expect(created.map((r) => r.status).sort()).toEqual([...Array(20).fill(201), 409, 409]);
    const problem = await expectProblem(await hook(user.token, 99), 409, 'limit-exceeded');
    expect(problem.detail).toMatch(/20 webhooks.*maxWebhooks/);
    expect(problem.errors).toEqual([{ field: 'maxWebhooks', message: 'at most 20' }]);
    const list = (await (await call('GET', '/api/v1/webhooks', { token: user.token })).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(20);
    // Another owner's count is their own.
    expect((await hook(other.token, 0)).status).toBe(201);

    const raised = await ok(
      await call('PUT', `/api/v1/users/${user.id}/limits`, { token: admin, body: { maxWebhooks: 21 } }),
    );
    expect(raised).toMatchObject({ maxWebhooks: 21, maxWebhooksSource: 'administrator', maxConcurrentCalls: 100 });
    expect(await ok(await call('GET', '/api/v1/policies', { token: user.token }))).toMatchObject({
      maxWebhooks: 21,
      maxWebhooksSource: 'administrator',
    });
    expect((await hook(user.token, 21)).status).toBe(201);
    await expectProblem(await hook(user.token, 22), 409, 'limit-exceeded');

    // Deleting one frees a place.
    const first = (list.items[0] as { id: string }).id;
    expect((await call('DELETE', `/api/v1/webhooks/${first}`, { token: user.token })).status).toBe(204);
    expect((await hook(user.token, 23)).status).toBe(201);
  });
});
