/**
 * Trunk groups through the API (issue 20): a campaign's `trunkIds` next to `trunkId` (which
 * keeps working as a group of one), the validation that names each field, the owner's trunks
 * only (F21, administrators included), a deleted trunk leaving every group, a trunk in a
 * running campaign's group that cannot be deleted, and a trunk's circuit breaker in
 * `GET /trunks/{id}`. The calls themselves are campaign-failover.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { adminToken, call, expectProblem, problemFields } from '../support/api';
import {
  campaignBody as body,
  campaignParts,
  campaignTestContext,
  createCampaign,
  json,
  refusedTrunkFields,
  userToken,
  type CampaignBody as Campaign,
} from '../support/campaigns';
import { readStack } from '../support/stack';

const ctx = campaignTestContext();

async function trunk(token: string): Promise<string> {
  const res = await call('POST', '/api/v1/trunks', {
    token,
    body: { name: `t-${randomUUID().slice(0, 8)}`, host: '127.0.0.1', port: 9, callerIdNumber: '+4930999999' },
  });
  return (await json<{ id: string }>(res, 201)).id;
}

describe('trunk groups', () => {
  it('takes trunkIds in order, shows them, and keeps trunkId as the first', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const [second, third] = [await trunk(token), await trunk(token)];
    const group = [parts.trunkId, second, third];
    const { trunkId: _omitted, ...withoutTrunkId } = body(parts, { trunkIds: group });
    const created = await json(await call('POST', '/api/v1/campaigns', { token, body: withoutTrunkId }), 201);
    expect(created).toMatchObject({ trunkId: parts.trunkId, trunkIds: group });
    const { rows } = await ctx.pool.query('select trunk_id, fallback_trunk_ids from campaign where id = $1', [
      created.id,
    ]);
    expect(rows[0]).toEqual({ trunk_id: parts.trunkId, fallback_trunk_ids: [second, third] });

    // trunkId alone: a new first trunk, the others kept (and not twice).
    const path = `/api/v1/campaigns/${created.id}`;
    const first = await json(await call('PATCH', path, { token, body: { trunkId: third } }), 200);
    expect(first.trunkIds).toEqual([third, second]);
    // trunkIds: the whole group replaced.
    const replaced = await json(await call('PATCH', path, { token, body: { trunkIds: [second] } }), 200);
    expect(replaced).toMatchObject({ trunkId: second, trunkIds: [second] });
    // A client that knows only trunkId: a group of one.
    const plain = await createCampaign(token, parts);
    expect(plain).toMatchObject({ trunkId: parts.trunkId, trunkIds: [parts.trunkId] });
  });

  it.each([
    ['an empty group', () => ({ trunkIds: [] }), ['body.trunkIds']],
    ['a trunk twice', (t: string) => ({ trunkIds: [t, t] }), ['body.trunkIds']],
    [
      'six trunks',
      (t: string) => ({ trunkIds: [t, ...Array.from({ length: 5 }, () => randomUUID())] }),
      ['body.trunkIds'],
    ],
    // tsoa names an array item without the `body.` prefix (as trunks.test.ts notes for codecs).
    ['an id that is no uuid', (t: string) => ({ trunkIds: [t, 'not-a-uuid'] }), ['trunkIds.$1']],
    [
      'a trunkId other than trunkIds[0]',
      (t: string) => ({ trunkId: t, trunkIds: [randomUUID(), t] }),
      ['body.trunkId', 'body.trunkIds[0]'],
    ],
  ])('refuses %s with 422 naming the field', async (_label, extra, fields) => {
    expect(await refusedTrunkFields(extra)).toEqual(fields);
  });

  it('refuses a campaign without any trunk, naming trunkId', async () => {
    const { token } = await userToken();
    const { trunkId: _none, ...rest } = body(await campaignParts(token, 1));
    expect(await problemFields(await call('POST', '/api/v1/campaigns', { token, body: rest }))).toEqual([
      'body.trunkId',
    ]);
  });

  it('refuses another owner’s (or a missing) trunk in the group, for an administrator too (F21)', async () => {
    const { token } = await userToken();
    const other = await userToken();
    const parts = await campaignParts(token, 1);
    const theirs = await trunk(other.token);
    const group = { trunkIds: [parts.trunkId, theirs, randomUUID()] };
    const res = await call('POST', '/api/v1/campaigns', { token, body: body(parts, group) });
    expect(await problemFields(res)).toEqual(['body.trunkIds[1]', 'body.trunkIds[2]']);
    // An administrator changing the user's draft may use only the user's trunks.
    const draft = await createCampaign(token, parts);
    const admin = await adminToken();
    const patched = await call('PATCH', `/api/v1/campaigns/${draft.id}`, {
      token: admin,
      body: { trunkIds: [parts.trunkId, theirs] },
    });
    expect(await problemFields(patched)).toEqual(['body.trunkIds[1]']);
  });

  it('takes a deleted trunk out of every group; one in a running campaign’s group cannot be deleted', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    const [second, third] = [await trunk(token), await trunk(token)];
    const draft = await createCampaign(token, parts, { trunkIds: [parts.trunkId, second, third] });
    expect((await call('DELETE', `/api/v1/trunks/${second}`, { token })).status).toBe(204);
    const after = await json<Campaign>(await call('GET', `/api/v1/campaigns/${draft.id}`, { token }), 200);
    expect(after.trunkIds).toEqual([parts.trunkId, third]);

    await ctx.pool.query(`update campaign set status = 'running' where id = $1`, [draft.id]);
    try {
      await expectProblem(await call('DELETE', `/api/v1/trunks/${third}`, { token }), 409, 'conflict');
    } finally {
      await ctx.pool.query(`update campaign set status = 'draft' where id = $1`, [draft.id]);
    }
  });

  it('shows a trunk’s circuit breaker: up by default, down while held', async () => {
    const { token } = await userToken();
    const id = await trunk(token);
    const fresh = await json<{ health: unknown }>(await call('GET', `/api/v1/trunks/${id}`, { token }), 200);
    expect(fresh.health).toEqual({
      state: 'up',
      consecutiveFailures: 0,
      downUntil: null,
      lastFailure: null,
      lastProbe: null,
    });
    await ctx.pool.query(
      `insert into trunk_health (trunk_id, consecutive_failures, down_until, last_failure_at, last_failure, updated_at)
       values ($1, 5, now() + interval '30 seconds', now(), '503 Service Unavailable', now())`,
      [id],
    );
    const down = await json<{ health: Record<string, unknown> }>(
      await call('GET', `/api/v1/trunks/${id}`, { token }),
      200,
    );
    expect(down.health).toMatchObject({
      state: 'down',
      consecutiveFailures: 5,
      lastFailure: { reason: '503 Service Unavailable' },
    });
    expect(Date.parse(String(down.health.downUntil)) - Date.now()).toBeGreaterThan(20_000);
    const page = await json<{ items: { id: string; health: { state: string } }[] }>(
      await call('GET', '/api/v1/trunks', { token }),
      200,
    );
    expect(page.items.find((t) => t.id === id)?.health.state).toBe('down');
    const metrics = await fetch(`${readStack().apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${await adminToken()}` },
    });
    expect(Number(/^voicecast_trunks_down (\d+)$/m.exec(await metrics.text())?.[1])).toBeGreaterThanOrEqual(1);
  });
});
