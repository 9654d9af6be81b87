/**
 * Reservations through the API (`/api/v1/reservations`): validation of hostile input, who
 * sees what (the holder's members, nobody else: 404), extend and release. Departments are
 * made through the departments API (test/support/departments.ts). What a reservation does to campaigns is
 * test/integration/department-policy.test.ts's.
 */
import { Pool } from 'pg';
import { adminToken, call, expectProblem, login, createUser, problemFields } from '../support/api';
import { phoneList } from '../support/contact-lists';
import { addMember, createDepartment } from '../support/departments';
import { readStack } from '../support/stack';

let db: Pool;
beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
});
afterAll(async () => {
  await db?.end();
});

async function member(departmentId: string | null) {
  const user = await createUser();
  if (departmentId) await addMember(departmentId, user.id);
  return { id: user.id, token: (await login(user.username, user.password)).access_token };
}

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

async function reserve(token: string, body: unknown) {
  return call('POST', '/api/v1/reservations', { token, body });
}

describe('POST /api/v1/reservations', () => {
  test('hostile and invalid numbers, a past or too distant until: 422 naming the field, nothing stored', async () => {
    const me = await member(null);
    const hostile = ['+4930123450', "0'; DROP TABLE reservation;--", '=HYPERLINK("x")', '\u202e+4930', 'x'.repeat(100)];
    expect(await problemFields(await reserve(me.token, { phones: hostile, until: inMinutes(5) }))).toEqual([
      'body.phones[1]',
      'body.phones[2]',
      'body.phones[3]',
      'body.phones[4]',
    ]);
    const ok = ['+4930123450'];
    const past = new Date(Date.now() - 1000).toISOString();
    expect(await problemFields(await reserve(me.token, { phones: ok, until: past }))).toEqual(['body.until']);
    expect(await problemFields(await reserve(me.token, { phones: ok, until: inMinutes(91 * 24 * 60) }))).toEqual([
      'body.until',
    ]);
    expect(await problemFields(await reserve(me.token, { phones: ok, until: 'tomorrow' }))).toEqual(['body.until']);
    expect(await problemFields(await reserve(me.token, { until: inMinutes(5) }))).toEqual([
      'body.contactListId',
      'body.phones',
    ]);
    expect(await problemFields(await reserve(me.token, { phones: [], until: inMinutes(5) }))).toEqual(['body.phones']);
    const tooMany = Array.from({ length: 10_001 }, (_, i) => `+4930${String(i).padStart(7, '0')}`);
    expect(await problemFields(await reserve(me.token, { phones: tooMany, until: inMinutes(5) }))).toContain(
      'body.phones',
    );
    const foreignList = await phoneList((await member(null)).token, ['+4930123451']);
    expect(await problemFields(await reserve(me.token, { contactListId: foreignList, until: inMinutes(5) }))).toEqual([
      'body.contactListId',
    ]);
    const { rows } = await db.query('SELECT 1 FROM reservation WHERE owner_id = $1', [me.id]);
    expect(rows).toHaveLength(0);
  });

  test('numbers normalised and deduplicated; a contact list reserves all its numbers', async () => {
    const dept = (await createDepartment()).id;
    const me = await member(dept);
    const res = await reserve(me.token, {
      phones: ['030 1234560', '+49 30 1234560', '+4940 555000'],
      defaultCountry: 'DE',
      until: inMinutes(10),
    });
    if (res.status !== 201) throw new Error(await res.text());
    const view = (await res.json()) as Record<string, unknown>;
    expect(res.headers.get('location')).toBe(`/api/v1/reservations/${String(view.id)}`);
    expect(view).toMatchObject({
      ownerId: me.id,
      departmentId: dept,
      active: true,
      phoneCount: 2,
      phones: ['+49301234560', '+4940555000'],
    });
    const listId = await phoneList(me.token, ['+4930111110', '+4930111120']);
    const fromList = await reserve(me.token, { contactListId: listId, until: inMinutes(10) });
    expect(fromList.status).toBe(201);
    expect(await fromList.json()).toMatchObject({ phoneCount: 2, phones: ['+4930111110', '+4930111120'] });
  });
});

describe('who sees a reservation', () => {
  test('members of the holding department see, extend and release it; another department and a loner get 404', async () => {
    const [sales, support] = [(await createDepartment()).id, (await createDepartment()).id];
    const [alice, bob, carol, loner] = [
      await member(sales),
      await member(sales),
      await member(support),
      await member(null),
    ];
    const res = await reserve(alice.token, { phones: ['+4930222220'], until: inMinutes(10) });
    const { id } = (await res.json()) as { id: string };

    expect((await call('GET', `/api/v1/reservations/${id}`, { token: bob.token })).status).toBe(200);
    for (const other of [carol, loner]) {
      await expectProblem(await call('GET', `/api/v1/reservations/${id}`, { token: other.token }), 404, 'not-found');
      const patch = { token: other.token, body: { until: inMinutes(20) } };
      await expectProblem(await call('PATCH', `/api/v1/reservations/${id}`, patch), 404, 'not-found');
      await expectProblem(await call('DELETE', `/api/v1/reservations/${id}`, { token: other.token }), 404, 'not-found');
      const page = (await (await call('GET', '/api/v1/reservations', { token: other.token })).json()) as {
        items: { id: string }[];
      };
      expect(page.items.map((r) => r.id)).not.toContain(id);
    }
    const admin = await adminToken();
    expect((await call('GET', `/api/v1/reservations/${id}`, { token: admin })).status).toBe(200);

    // Bob (same department) extends it; a past until is a 422.
    const later = inMinutes(30);
    const extended = await call('PATCH', `/api/v1/reservations/${id}`, { token: bob.token, body: { until: later } });
    expect(extended.status).toBe(200);
    expect(((await extended.json()) as { until: string }).until).toBe(later);
    const past = { token: bob.token, body: { until: new Date(Date.now() - 1).toISOString() } };
    expect(await problemFields(await call('PATCH', `/api/v1/reservations/${id}`, past))).toEqual(['body.until']);

    // The list: the envelope, newest first, paged by cursor.
    await reserve(bob.token, { phones: ['+4930222230'], until: inMinutes(10) });
    const first = (await (await call('GET', '/api/v1/reservations?limit=1', { token: alice.token })).json()) as {
      items: { id: string; ownerId: string }[];
      nextCursor?: string;
    };
    expect(first.items).toHaveLength(1);
    expect(first.items[0].ownerId).toBe(bob.id);
    const next = await call('GET', `/api/v1/reservations?limit=1&after=${first.nextCursor ?? ''}`, {
      token: alice.token,
    });
    expect(((await next.json()) as { items: { id: string }[] }).items.map((r) => r.id)).toEqual([id]);
    expect(await problemFields(await call('GET', '/api/v1/reservations?after=bogus!', { token: alice.token }))).toEqual(
      ['after'],
    );

    expect((await call('DELETE', `/api/v1/reservations/${id}`, { token: bob.token })).status).toBe(204);
    await expectProblem(await call('GET', `/api/v1/reservations/${id}`, { token: alice.token }), 404, 'not-found');
  });

  test('without a department a reservation is the owner’s alone; a malformed id is a 422, an unknown one a 404', async () => {
    const [me, other] = [await member(null), await member(null)];
    const { id } = (await (await reserve(me.token, { phones: ['+4930222240'], until: inMinutes(10) })).json()) as {
      id: string;
    };
    expect((await call('GET', `/api/v1/reservations/${id}`, { token: me.token })).status).toBe(200);
    await expectProblem(await call('GET', `/api/v1/reservations/${id}`, { token: other.token }), 404, 'not-found');
    expect(await problemFields(await call('GET', '/api/v1/reservations/not-a-uuid', { token: me.token }))).toEqual([
      'id',
    ]);
    const unknown = '0b6a3f1e-5d2c-4c8e-9a1b-2f3e4d5c6b7a';
    await expectProblem(await call('GET', `/api/v1/reservations/${unknown}`, { token: me.token }), 404, 'not-found');
  });
});
