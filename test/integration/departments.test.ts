/**
 * The departments API (issue 25, docs/departments.md) over real HTTP with real tokens: what
 * administrators, managers and plain users may do, name validation (hostile strings → 422
 * naming the field, a name taken in any case → 409), limits, members and managers, `GET /me`,
 * the audit log, and a delete that un-shares. Isolation between departments' members is
 * departments-sharing.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { adminToken, call, expectProblem, problemFields } from '../support/api';
import { auditEntries } from '../support/audit';
import { json, userToken } from '../support/campaigns';
import { readStack } from '../support/stack';

jest.setTimeout(60_000);

interface DepartmentBody {
  id: string;
  name: string;
  maxConcurrentCalls: number | null;
  maxCallsPerDay: number | null;
  frequencyCap: { maxCalls: number; windowSeconds: number } | null;
}

let db: Pool;
let admin: string;

beforeAll(async () => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
  admin = await adminToken();
});

afterAll(async () => {
  await db?.end();
});

const uniqueName = (prefix = 'Dept') => `${prefix} ${randomUUID().slice(0, 8)}`;

async function createDepartment(body: Record<string, unknown> = {}): Promise<DepartmentBody> {
  return json<DepartmentBody>(
    await call('POST', '/api/v1/departments', { token: admin, body: { name: uniqueName(), ...body } }),
    201,
  );
}

const put = (path: string, token = admin) => call('PUT', path, { token });
const del = (path: string, token = admin) => call('DELETE', path, { token });

test('an admin creates, reads, lists, changes and deletes a department', async () => {
  const name = uniqueName('Sales');
  const res = await call('POST', '/api/v1/departments', {
    token: admin,
    body: { name, maxConcurrentCalls: 20, frequencyCap: { maxCalls: 2, windowSeconds: 3600 } },
  });
  const created = await json<DepartmentBody>(res, 201);
  expect(res.headers.get('location')).toBe(`/api/v1/departments/${created.id}`);
  expect(created).toMatchObject({
    name,
    maxConcurrentCalls: 20,
    maxCallsPerDay: null,
    frequencyCap: { maxCalls: 2, windowSeconds: 3600 },
  });

  expect(await json(await call('GET', `/api/v1/departments/${created.id}`, { token: admin }), 200)).toEqual(created);

  const changed = await json<DepartmentBody>(
    await call('PATCH', `/api/v1/departments/${created.id}`, {
      token: admin,
      body: { maxCallsPerDay: 5000, frequencyCap: null, maxConcurrentCalls: null },
    }),
    200,
  );
  expect(changed).toMatchObject({ name, maxConcurrentCalls: null, maxCallsPerDay: 5000, frequencyCap: null });

  // Listed by name, a page at a time, in the envelope.
  await createDepartment();
  const first = await json<{ items: DepartmentBody[]; nextCursor?: string }>(
    await call('GET', '/api/v1/departments?limit=1', { token: admin }),
    200,
  );
  expect(first.items).toHaveLength(1);
  expect(first.nextCursor).toEqual(expect.any(String));
  const names: string[] = [];
  let after: string | undefined;
  do {
    const page = await json<{ items: DepartmentBody[]; nextCursor?: string }>(
      await call('GET', `/api/v1/departments?limit=50${after ? `&after=${after}` : ''}`, { token: admin }),
      200,
    );
    names.push(...page.items.map((d) => d.name));
    after = page.nextCursor;
  } while (after);
  expect(names).toContain(name);
  expect([...names].sort()).toEqual(names);

  expect((await del(`/api/v1/departments/${created.id}`)).status).toBe(204);
  await expectProblem(await call('GET', `/api/v1/departments/${created.id}`, { token: admin }), 404, 'not-found');
  await expectProblem(await del(`/api/v1/departments/${created.id}`), 404, 'not-found');

  const audit = await auditEntries(admin, { targetType: 'department', targetId: created.id });
  expect(audit.map((e) => [e.action, e.status]).reverse()).toEqual([
    ['department.create', 201],
    ['department.update', 200],
    ['department.delete', 204],
    ['department.delete', 404],
  ]);
});

test('names: hostile strings are 422 naming the field, a name taken in any case is 409', async () => {
  const hostile = [
    '',
    ' ',
    'Sales\r\nX-Injected: yes',
    'Sales\nTeam',
    'Sa\u0000les',
    'x'.repeat(201),
    'Sales\u202e',
    ' leading',
  ];
  for (const name of hostile) {
    expect(await problemFields(await call('POST', '/api/v1/departments', { token: admin, body: { name } }))).toEqual([
      'body.name',
    ]);
  }
  const taken = await createDepartment();
  for (const name of hostile) {
    const res = await call('PATCH', `/api/v1/departments/${taken.id}`, { token: admin, body: { name } });
    expect(await problemFields(res)).toEqual(['body.name']);
  }
  const clash = await call('POST', '/api/v1/departments', { token: admin, body: { name: taken.name.toUpperCase() } });
  const problem = await expectProblem(clash, 409, 'conflict');
  expect(problem.errors).toEqual([{ field: 'body.name', message: 'already taken' }]);
  const other = await createDepartment();
  await expectProblem(
    await call('PATCH', `/api/v1/departments/${other.id}`, { token: admin, body: { name: taken.name.toLowerCase() } }),
    409,
    'conflict',
  );
});

test('limits: whole numbers from 1 within the bounds, the frequency cap needs both fields', async () => {
  const d = await createDepartment();
  const bad: [Record<string, unknown>, string][] = [
    [{ maxConcurrentCalls: 0 }, 'body.maxConcurrentCalls'],
    [{ maxConcurrentCalls: 1.5 }, 'body.maxConcurrentCalls'],
    [{ maxConcurrentCalls: 100_001 }, 'body.maxConcurrentCalls'],
    [{ maxCallsPerDay: -1 }, 'body.maxCallsPerDay'],
    [{ frequencyCap: { maxCalls: 2 } }, 'body.frequencyCap.windowSeconds'],
    [{ frequencyCap: { windowSeconds: 60 } }, 'body.frequencyCap.maxCalls'],
    [{ frequencyCap: { maxCalls: 1001, windowSeconds: 60 } }, 'body.frequencyCap.maxCalls'],
    [{ frequencyCap: { maxCalls: 1, windowSeconds: 30 * 24 * 3600 + 1 } }, 'body.frequencyCap.windowSeconds'],
  ];
  for (const [body, field] of bad) {
    const fields = await problemFields(await call('PATCH', `/api/v1/departments/${d.id}`, { token: admin, body }));
    expect(fields).toContain(field);
  }
  expect(await json(await call('GET', `/api/v1/departments/${d.id}`, { token: admin }), 200)).toEqual(d);
});

test('managers read their departments and members and set limits; nothing else', async () => {
  const [managed, foreign] = await Promise.all([createDepartment(), createDepartment()]);
  const [manager, member, stranger] = await Promise.all([userToken(), userToken(), userToken()]);
  expect((await put(`/api/v1/departments/${managed.id}/managers/${manager.id}`)).status).toBe(204);
  expect((await put(`/api/v1/departments/${managed.id}/managers/${manager.id}`)).status).toBe(204); // idempotent
  const joined = await json(await put(`/api/v1/departments/${managed.id}/members/${member.id}`), 200);
  expect(joined).toEqual({ id: member.id, username: member.user.username, displayName: null, manager: false });

  const m = manager.token;
  const list = await json<{ items: DepartmentBody[] }>(await call('GET', '/api/v1/departments', { token: m }), 200);
  expect(list.items.map((d) => d.id)).toEqual([managed.id]);
  await json(await call('GET', `/api/v1/departments/${managed.id}`, { token: m }), 200);
  const members = await json<{ items: { id: string }[] }>(
    await call('GET', `/api/v1/departments/${managed.id}/members`, { token: m }),
    200,
  );
  expect(members.items.map((u) => u.id)).toEqual([member.id]);
  const limited = await json<DepartmentBody>(
    await call('PATCH', `/api/v1/departments/${managed.id}`, { token: m, body: { maxConcurrentCalls: 3 } }),
    200,
  );
  expect(limited.maxConcurrentCalls).toBe(3);

  // A department they do not manage is not disclosed.
  await expectProblem(await call('GET', `/api/v1/departments/${foreign.id}`, { token: m }), 404, 'not-found');
  await expectProblem(
    await call('PATCH', `/api/v1/departments/${foreign.id}`, { token: m, body: { maxConcurrentCalls: 3 } }),
    404,
    'not-found',
  );
  await expectProblem(await call('GET', `/api/v1/departments/${foreign.id}/members`, { token: m }), 404, 'not-found');
  // Renaming, creating, deleting and membership are the administrators'.
  for (const res of [
    await call('PATCH', `/api/v1/departments/${managed.id}`, { token: m, body: { name: uniqueName() } }),
    await call('POST', '/api/v1/departments', { token: m, body: { name: uniqueName() } }),
    await del(`/api/v1/departments/${managed.id}`, m),
    await put(`/api/v1/departments/${managed.id}/members/${stranger.id}`, m),
    await del(`/api/v1/departments/${managed.id}/members/${member.id}`, m),
    await put(`/api/v1/departments/${managed.id}/managers/${stranger.id}`, m),
    await del(`/api/v1/departments/${managed.id}/managers/${manager.id}`, m),
  ]) {
    await expectProblem(res, 403, 'forbidden');
  }
  expect((await call('GET', `/api/v1/departments/${managed.id}`, { token: admin })).status).toBe(200);
});

test('a user who manages nothing gets 403 from every route of the departments API', async () => {
  const d = await createDepartment();
  const user = await userToken();
  expect((await put(`/api/v1/departments/${d.id}/members/${user.id}`)).status).toBe(200);
  const t = user.token;
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/v1/departments'],
    ['POST', '/api/v1/departments', { name: uniqueName() }],
    ['GET', `/api/v1/departments/${d.id}`],
    ['PATCH', `/api/v1/departments/${d.id}`, { maxConcurrentCalls: 1 }],
    ['DELETE', `/api/v1/departments/${d.id}`],
    ['GET', `/api/v1/departments/${d.id}/members`],
    ['PUT', `/api/v1/departments/${d.id}/members/${user.id}`],
    ['DELETE', `/api/v1/departments/${d.id}/members/${user.id}`],
    ['PUT', `/api/v1/departments/${d.id}/managers/${user.id}`],
    ['DELETE', `/api/v1/departments/${d.id}/managers/${user.id}`],
    ['GET', `/api/v1/departments/${randomUUID()}`],
  ];
  for (const [method, path, body] of routes) {
    await expectProblem(await call(method, path, { token: t, body }), 403, 'forbidden');
  }
  const denied = await auditEntries(admin, { targetType: 'department', targetId: d.id, actorId: user.id });
  expect(denied.every((e) => e.outcome === 'denied')).toBe(true);
  expect(denied.length).toBe(6);
});

test('a user belongs to at most one department: moving them un-shares what they shared', async () => {
  const [a, b] = await Promise.all([createDepartment(), createDepartment()]);
  const user = await userToken();
  expect((await put(`/api/v1/departments/${a.id}/members/${user.id}`)).status).toBe(200);
  const hook = await json<{ id: string }>(
    await call('POST', '/api/v1/webhooks', { token: user.token, body: { url: 'https://hooks.example.com/dept' } }),
    201,
  );
  const shared = await call('PUT', `/api/v1/webhooks/${hook.id}/sharing`, {
    token: user.token,
    body: { shared: true },
  });
  expect(await json(shared, 200)).toEqual({ id: hook.id, ownerId: user.id, shared: true });

  // Moving to b: one department at a time, and the webhook is no longer shared with a.
  expect((await put(`/api/v1/departments/${b.id}/members/${user.id}`)).status).toBe(200);
  const { rows } = await db.query<{ department_id: string | null }>(
    'SELECT department_id FROM "user" WHERE id = $1 UNION ALL SELECT department_id FROM webhook WHERE id = $2',
    [user.id, hook.id],
  );
  expect(rows.map((r) => r.department_id)).toEqual([b.id, null]);
  const members = await json<{ items: { id: string }[] }>(
    await call('GET', `/api/v1/departments/${a.id}/members`, { token: admin }),
    200,
  );
  expect(members.items).toEqual([]);
  await expectProblem(await del(`/api/v1/departments/${a.id}/members/${user.id}`), 404, 'not-found');
  expect((await del(`/api/v1/departments/${b.id}/members/${user.id}`)).status).toBe(204);
  await expectProblem(await put(`/api/v1/departments/${b.id}/members/${randomUUID()}`), 404, 'not-found');
  await expectProblem(await put(`/api/v1/departments/${randomUUID()}/members/${user.id}`), 404, 'not-found');
  await expectProblem(await del(`/api/v1/departments/${b.id}/managers/${user.id}`), 404, 'not-found');
});

test('GET /me shows the department and the managed departments', async () => {
  const [home, managedOne, managedTwo] = await Promise.all([
    createDepartment(),
    createDepartment(),
    createDepartment(),
  ]);
  const user = await userToken();
  const me = async () =>
    json<{ department: unknown; managedDepartments: unknown[] }>(
      await call('GET', '/api/v1/me', { token: user.token }),
      200,
    );
  expect(await me()).toMatchObject({ department: null, managedDepartments: [] });
  await put(`/api/v1/departments/${home.id}/members/${user.id}`);
  await put(`/api/v1/departments/${managedOne.id}/managers/${user.id}`);
  await put(`/api/v1/departments/${managedTwo.id}/managers/${user.id}`);
  const got = await me();
  expect(got.department).toEqual({ id: home.id, name: home.name });
  expect(got.managedDepartments).toEqual(
    [managedOne, managedTwo].map((d) => ({ id: d.id, name: d.name })).sort((x, y) => (x.name < y.name ? -1 : 1)),
  );
});

test('deleting a department un-shares everything shared with it and frees its members', async () => {
  const d = await createDepartment();
  const [owner, other] = await Promise.all([userToken(), userToken()]);
  await put(`/api/v1/departments/${d.id}/members/${owner.id}`);
  await put(`/api/v1/departments/${d.id}/members/${other.id}`);
  await put(`/api/v1/departments/${d.id}/managers/${other.id}`);
  const entry = await json<{ id: string }>(
    await call('POST', '/api/v1/blocklist', { token: owner.token, body: { phone: '+493055500001' } }),
    201,
  );
  expect(
    (await call('PUT', `/api/v1/blocklist/${entry.id}/sharing`, { token: owner.token, body: { shared: true } })).status,
  ).toBe(200);
  expect((await call('GET', `/api/v1/blocklist/${entry.id}`, { token: other.token })).status).toBe(200);

  expect((await del(`/api/v1/departments/${d.id}`)).status).toBe(204);
  await expectProblem(await call('GET', `/api/v1/blocklist/${entry.id}`, { token: other.token }), 404, 'not-found');
  const owned = await json<{ shared: boolean }>(
    await call('GET', `/api/v1/blocklist/${entry.id}`, { token: owner.token }),
    200,
  );
  expect(owned.shared).toBe(false);
  const { rows } = await db.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM "user" WHERE department_id = $1)
          + (SELECT count(*) FROM department_manager WHERE department_id = $1)
          + (SELECT count(*) FROM blocklist WHERE department_id = $1) AS n`,
    [d.id],
  );
  expect(Number(rows[0]?.n)).toBe(0);
  // Sharing again needs a department.
  expect(
    await problemFields(
      await call('PUT', `/api/v1/blocklist/${entry.id}/sharing`, { token: owner.token, body: { shared: true } }),
    ),
  ).toEqual(['body.shared']);
});
