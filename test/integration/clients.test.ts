/** Machine clients (client_credentials) created by an admin, against the running API. */
import { adminToken, call, createUser, decodeJwt, expectProblem, login, postForm } from '../support/api';

async function clientToken(id: string, secret: string): Promise<Response> {
  return postForm(
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'api' },
    { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
  );
}

describe('machine clients', () => {
  it('get JWTs with client_credentials and act for their owner with their own role', async () => {
    const owner = await createUser();
    const created = await call('POST', '/api/v1/clients', {
      token: await adminToken(),
      body: { name: 'crm sync', ownerId: owner.id },
    });
    expect(created.status).toBe(201);
    const client = (await created.json()) as { id: string; clientSecret: string; ownerId: string; role: string };
    expect(client).toMatchObject({ ownerId: owner.id, role: 'user' });

    const res = await clientToken(client.id, client.clientSecret);
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    expect(decodeJwt(access_token).payload).toMatchObject({ sub: client.id, client_id: client.id });
    const me = await call('GET', '/api/v1/me', { token: access_token });
    expect(await me.json()).toMatchObject({ id: owner.id, kind: 'client', clientId: client.id, role: 'user' });
    await expectProblem(await call('GET', '/api/v1/users', { token: access_token }), 403, 'forbidden');

    // The secret is never listed.
    const list = await call('GET', '/api/v1/clients', { token: await adminToken() });
    expect(JSON.stringify(await list.json())).not.toContain(client.clientSecret);
  });

  it('reject a wrong secret; rotation replaces the secret; disabling stops issued tokens', async () => {
    const admin = await adminToken();
    const client = (await (
      await call('POST', '/api/v1/clients', { token: admin, body: { name: 'rotating' } })
    ).json()) as { id: string; clientSecret: string };
    expect((await clientToken(client.id, 'wrong')).status).toBe(401);

    const rotated = (await (
      await call('POST', `/api/v1/clients/${client.id}/rotate-secret`, { token: admin })
    ).json()) as { clientSecret: string };
    expect(rotated.clientSecret).not.toBe(client.clientSecret);
    expect((await clientToken(client.id, client.clientSecret)).status).toBe(401);
    const ok = await clientToken(client.id, rotated.clientSecret);
    expect(ok.status).toBe(200);
    const { access_token } = (await ok.json()) as { access_token: string };

    expect(
      (await call('PATCH', `/api/v1/clients/${client.id}`, { token: admin, body: { disabled: true } })).status,
    ).toBe(200);
    await expectProblem(await call('GET', '/api/v1/me', { token: access_token }), 401, 'unauthorized');
    expect((await clientToken(client.id, rotated.clientSecret)).status).toBe(401);
  });

  it('never have more rights than their owner has now: an admin client of a demoted owner acts as a user (F20)', async () => {
    const owner = await createUser('admin');
    const ownerToken = (await login(owner.username, owner.password)).access_token;
    const created = await call('POST', '/api/v1/clients', { token: ownerToken, body: { name: 'ci', role: 'admin' } });
    expect(created.status).toBe(201);
    const client = (await created.json()) as { id: string; clientSecret: string };
    const token = async () =>
      ((await (await clientToken(client.id, client.clientSecret)).json()) as { access_token: string }).access_token;
    const issued = await token();
    expect((await call('GET', '/api/v1/users', { token: issued })).status).toBe(200);

    const demoted = await call('PATCH', `/api/v1/users/${owner.id}`, {
      token: await adminToken(),
      body: { role: 'user' },
    });
    expect(demoted.status).toBe(200);
    await expectProblem(await call('GET', '/api/v1/users', { token: issued }), 403, 'forbidden');
    const fresh = await token();
    await expectProblem(await call('GET', '/api/v1/users', { token: fresh }), 403, 'forbidden');
    expect(await (await call('GET', '/api/v1/me', { token: fresh })).json()).toMatchObject({ role: 'user' });
  });

  it('validate the owner', async () => {
    const res = await call('POST', '/api/v1/clients', {
      token: await adminToken(),
      body: { name: 'x', ownerId: '00000000-0000-4000-8000-000000000000' },
    });
    const problem = await expectProblem(res, 422, 'validation-error');
    expect(problem.errors).toEqual([{ field: 'body.ownerId', message: 'no such user' }]);
  });
});
