/**
 * F31: races, with real concurrent HTTP requests.
 * - One refresh token presented N times at once: exactly one refresh succeeds.
 * - Concurrent demotions or disables of the last two administrators never leave none
 *   (on an API of its own over a scratch database, where exactly two admins exist).
 */
import { Pool } from 'pg';
import { createUser, decodeJwt, login, postForm } from '../support/api';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { createScratchDb, type ScratchDb } from '../support/scratch-db';
import { readStack } from '../support/stack';

const CONCURRENT = 12;

describe('concurrent refreshes with one refresh token', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool({ connectionString: readStack().databaseUrl, max: 1 });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('exactly one succeeds; the rest are invalid_grant and the grant is revoked, as for a reuse', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await createUser();
      const session = await login(user.username, user.password);
      const form = { grant_type: 'refresh_token', refresh_token: session.refresh_token!, client_id: 'voicecast' };
      const responses = await Promise.all(Array.from({ length: CONCURRENT }, () => postForm('/oauth/token', form)));
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as Record<string, unknown>[];
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 400)).toHaveLength(CONCURRENT - 1);
      for (const body of bodies.filter((_, i) => statuses[i] === 400)) {
        expect(body).toMatchObject({ error: 'invalid_grant' });
      }
      // Someone presented a used token: the grant goes, the winner's new tokens with it.
      const gid = String(decodeJwt(session.access_token).payload.gid);
      const left = await pool.query("SELECT 1 FROM oidc_payload WHERE model = 'Grant' AND id = $1", [gid]);
      expect(left.rowCount).toBe(0);
      const winner = bodies[statuses.indexOf(200)] as { refresh_token: string };
      const next = await postForm('/oauth/token', { ...form, refresh_token: winner.refresh_token });
      expect(next.status).toBe(400);
    }
  });
});

describe('concurrent demotions of the last two administrators', () => {
  let scratch: ScratchDb;
  let api: ExtraApi;
  const { admin } = readStack();

  beforeAll(async () => {
    scratch = await createScratchDb();
    // A fresh database: its only admin is the bootstrap one (ADMIN_USERNAME).
    api = await startExtraApi({ DATABASE_URL: scratch.url });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await scratch?.drop();
  });

  const patch = async (token: string, id: string, body: unknown) =>
    fetch(`${api.url}/api/v1/users/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const activeAdmins = async () =>
    (
      await scratch.pool.query<{ id: string }>(
        `SELECT id FROM "user" WHERE role = 'admin' AND NOT disabled ORDER BY id`,
      )
    ).rows.map((r) => r.id);

  it('leaves exactly one active admin, every time, whatever the pair of changes', async () => {
    const bootToken = (await login(admin.username, admin.password, api.url)).access_token;
    const [bootId] = await activeAdmins();
    const second = { username: 'second-admin', password: 'second-admin-password' };
    const created = await fetch(`${api.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...second, role: 'admin' }),
    });
    expect(created.status).toBe(201);
    const secondId = ((await created.json()) as { id: string }).id;
    const credentials = new Map([
      [bootId, admin],
      [secondId, second],
    ]);
    const changes = [{ role: 'user' }, { disabled: true }];

    for (let round = 0; round < 8; round++) {
      expect(await activeAdmins()).toEqual([bootId, secondId].sort());
      const [a, b] = [bootId, secondId];
      const tokenA = (await login(credentials.get(a)!.username, credentials.get(a)!.password, api.url)).access_token;
      const tokenB = (await login(credentials.get(b)!.username, credentials.get(b)!.password, api.url)).access_token;
      // Each admin demotes (or disables) the other, or one admin both, at the same moment.
      const sameCaller = round % 2 === 1;
      const results = await Promise.all([
        patch(tokenA, b, changes[round % 2]),
        patch(sameCaller ? tokenA : tokenB, a, changes[(round >> 1) % 2]),
      ]);
      const statuses = results.map((r) => r.status).sort();
      const left = await activeAdmins();
      expect(left).toHaveLength(1);
      // One change commits; the other is refused: 409 as the last admin, or 401/403 when the
      // first had already disabled or demoted the caller.
      expect(statuses[0]).toBe(200);
      expect([401, 403, 409]).toContain(statuses[1]);

      // Back to two admins for the next round, through the one left.
      const [survivor] = left;
      const demoted = survivor === a ? b : a;
      const survivorCreds = credentials.get(survivor)!;
      const token = (await login(survivorCreds.username, survivorCreds.password, api.url)).access_token;
      expect((await patch(token, demoted, { role: 'admin', disabled: false })).status).toBe(200);
    }
  }, 120_000);
});
