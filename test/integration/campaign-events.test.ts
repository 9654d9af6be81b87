/**
 * A campaign's live events (GET /api/v1/campaigns/{id}/events) over raw HTTP, as `curl -N`
 * reads them, while the stack's worker dials sipp (test/sipp/uas-route-by-number.xml: a
 * number ending in 1 is busy, any other answers): the snapshot, every call's outcome once,
 * the end; a reconnect with Last-Event-ID that misses and repeats nothing; tenants; tickets;
 * the connection limits, heartbeats and shutdown on an API of their own.
 */
import { readFileSync } from 'node:fs';
import { Pool, type PoolClient } from 'pg';
import { call, createUser, expectProblem, login } from '../support/api';
import { campaignParts, json, userToken } from '../support/campaigns';
import { openEventStream, streamEnded, type EventStream, type StreamEvent } from '../support/event-stream';
import { startExtraApi } from '../support/extra-api';
import { gatewayParts } from '../support/gateway-campaigns';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';
import { switchableProxy } from '../support/switchable-proxy';

jest.setTimeout(120_000);

const gateway = sippGateways({ transport: 'udp', ringMs: 200 });
let db: Pool;

beforeAll(() => {
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
});
afterAll(async () => {
  await db?.end();
});

const eventsPath = (id: string) => `/api/v1/campaigns/${id}/events`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const outcomes = (events: readonly StreamEvent[]) => events.filter((e) => e.event === 'outcome');

async function journalIds(campaignId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM call_record WHERE campaign_id = $1 AND end_reason <> 'call in progress'",
    [campaignId],
  );
  return rows.map((r) => r.id).sort();
}

async function draft(token: string, parts: { trunkId: string; audioId: string; contactListId: string }) {
  const { trunkId, audioId, contactListId } = parts;
  return json<{ id: string }>(
    await call('POST', '/api/v1/campaigns', {
      token,
      body: { name: `events ${Date.now()}`, trunkId, audioId, contactListId, maxConcurrentCalls: 2, maxAttempts: 1 },
    }),
    201,
  );
}

/** A finished attempt's journal row, as the worker writes it, in the transaction of `client`. */
async function journalRow(
  client: Pick<PoolClient, 'query'>,
  owner: string,
  campaignId: string,
  n: number,
): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO call_record (id, owner_id, campaign_id, attempt_id, attempt, phone_e164, invite_at, end_at, outcome,
       end_reason, dtmf, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, 1, $4, now(), now(), 'busy', 'busy here', '[]', now()) RETURNING id`,
    [owner, campaignId, `${campaignId}:${n}`, `+4930777000${n}`],
  );
  return rows[0].id;
}

describe('campaign events over raw HTTP', () => {
  it('streams a snapshot, every outcome once, the status changes and the end; a reconnect misses and repeats nothing', async () => {
    const owner = await userToken();
    const phones = ['+493055500010', '+493055500021', '+493055500030', '+493055500041', '+493055500050'];
    const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 90_000 });
    const campaign = await draft(owner.token, await gatewayParts(owner.token, sipp, phones, 1));
    const url = `${readStack().apiUrl}${eventsPath(campaign.id)}`;

    const whole = await openEventStream(url, { ...bearer(owner.token), 'accept-encoding': 'gzip, br' });
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(whole.headers['cache-control']).toMatch(/no-cache/);
    expect(whole.headers['x-accel-buffering']).toBe('no');
    expect(whole.headers['content-encoding']).toBeUndefined();
    const snapshot = await whole.next((e) => e.event === 'snapshot');
    expect(snapshot.data).toMatchObject({ campaignId: campaign.id, status: 'draft', progress: { total: 0 } });
    expect(snapshot.id).toMatch(/^\d+$/);

    // A second client that drops after the first outcome and comes back with its Last-Event-ID.
    const broken = await openEventStream(url, bearer(owner.token));
    await json(await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token: owner.token }), 200);
    const first = await broken.next((e) => e.event === 'outcome', 60_000);
    broken.destroy();
    const resumed = await openEventStream(url, { ...bearer(owner.token), 'last-event-id': first.id ?? '' });
    expect(resumed.status).toBe(200);

    await Promise.all([streamEnded(whole), streamEnded(resumed)]);
    await expectSippExit(sipp, 0);
    const journal = await journalIds(campaign.id);
    expect(journal).toHaveLength(phones.length);

    const all = outcomes(whole.events);
    expect(all.map((e) => e.data.callId).sort()).toEqual(journal); // each once
    expect(all.every((e) => /^\d+\.[0-9a-f-]{36}$/.test(e.id ?? ''))).toBe(true);
    expect(all.map((e) => [e.data.phone, e.data.outcome]).sort()).toEqual(
      phones.map((p) => [p, p.endsWith('1') ? 'busy' : 'answered']),
    );
    // The broken client's events up to the drop, then the resumed ones: the same sequence.
    const got = outcomes(broken.events);
    const pieced = [...got.slice(0, got.findIndex((e) => e.id === first.id) + 1), ...outcomes(resumed.events)].map(
      (e) => e.id,
    );
    expect(pieced).toEqual(all.map((e) => e.id));
    expect(resumed.events[0]).toMatchObject({ event: 'snapshot', id: first.id });

    expect(whole.events.filter((e) => e.event === 'status').map((e) => e.data.status)).toEqual(
      expect.arrayContaining(['running', 'completed']),
    );
    const end = whole.events.at(-1)!;
    expect(end).toMatchObject({ event: 'end', data: { status: 'completed', progress: { total: 5, done: 5 } } });
    expect(end.id).toBe(all.at(-1)!.id);
    expect(resumed.events.at(-1)).toMatchObject({ event: 'end', id: end.id });

    // Coming back after the end: 204, so an EventSource stops; from 0, everything again.
    const after = await openEventStream(url, { ...bearer(owner.token), 'last-event-id': end.id! });
    expect(after.status).toBe(204);
    const replay = await openEventStream(url, { ...bearer(owner.token), 'last-event-id': '0' });
    await streamEnded(replay);
    expect(outcomes(replay.events).map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(replay.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });
  });

  it('answers 404 for another tenant, 401 without credentials, 422 for a position it never sent, HEAD without a stream', async () => {
    const owner = await userToken();
    const other = await userToken();
    const campaign = await draft(owner.token, await campaignParts(owner.token, 2));
    const url = `${readStack().apiUrl}${eventsPath(campaign.id)}`;
    const stranger = await openEventStream(url, bearer(other.token));
    expect(stranger.status).toBe(404);
    expect(JSON.parse(stranger.body)).toMatchObject({ status: 404 });
    await expectProblem(
      await call('POST', `${eventsPath(campaign.id)}/ticket`, { token: other.token }),
      404,
      'not-found',
    );
    expect((await openEventStream(url)).status).toBe(401);
    expect((await openEventStream(`${url}?ticket=${'A'.repeat(43)}`)).status).toBe(401);
    const head = await fetch(url, { method: 'HEAD', headers: bearer(owner.token) });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const bad = await openEventStream(url, { ...bearer(owner.token), 'last-event-id': '12.not-a-uuid' });
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body)).toMatchObject({ errors: [{ field: 'header.Last-Event-ID' }] });
  });
});

describe('positions are final when they are sent', () => {
  it('holds back a row committed before an older transaction that is still open, then sends both in order', async () => {
    const owner = await userToken();
    const campaign = await draft(owner.token, await campaignParts(owner.token, 1));
    const stream = await openEventStream(`${readStack().apiUrl}${eventsPath(campaign.id)}`, bearer(owner.token));
    await stream.next((e) => e.event === 'snapshot');
    const [older, newer] = [await db.connect(), await db.connect()];
    try {
      // The older transaction stamps its row first but commits last, as concurrent calls can.
      await older.query('BEGIN');
      const first = await journalRow(older, owner.id, campaign.id, 1);
      const second = await journalRow(newer, owner.id, campaign.id, 2); // autocommit: committed now
      await new Promise((r) => setTimeout(r, 2500)); // two polls and more
      expect(outcomes(stream.events)).toEqual([]); // `second` is visible, but not final yet
      await older.query('COMMIT');
      await stream.next((e) => e.event === 'outcome' && e.data.callId === second);
      expect(outcomes(stream.events).map((e) => e.data.callId)).toEqual([first, second]);
      // A client that had `first` gets `second` only.
      const again = await openEventStream(`${readStack().apiUrl}${eventsPath(campaign.id)}`, {
        ...bearer(owner.token),
        'last-event-id': outcomes(stream.events)[0].id!,
      });
      await again.next((e) => e.event === 'outcome');
      await new Promise((r) => setTimeout(r, 1500));
      expect(outcomes(again.events).map((e) => e.data.callId)).toEqual([second]);
      again.destroy();
    } finally {
      await older.query('ROLLBACK').catch(() => undefined);
      older.release();
      newer.release();
      stream.destroy();
    }
  });
});

describe('campaign events while PostgreSQL is away', () => {
  it('keep the stream open (heartbeats) and send what was written meanwhile once it is back', async () => {
    const pg = new URL(readStack().databaseUrl.replace(/^postgres(ql)?:/, 'http:'));
    const proxy = await switchableProxy(new URL(`http://${pg.host}`));
    const viaProxy = new URL(readStack().databaseUrl);
    viaProxy.host = new URL(proxy.url).host;
    const api = await startExtraApi({
      DATABASE_URL: viaProxy.toString(),
      EVENTS_HEARTBEAT_MS: '300',
      LOG_LEVEL: 'info',
    });
    let stream: EventStream | undefined;
    try {
      const user = await createUser();
      const owner = { id: user.id, token: (await login(user.username, user.password)).access_token };
      const campaign = await draft(owner.token, await campaignParts(owner.token, 1));
      const token = (await login(user.username, user.password, api.url)).access_token;
      stream = await openEventStream(`${api.url}${eventsPath(campaign.id)}`, bearer(token));
      await stream.next((e) => e.event === 'snapshot');

      await proxy.down(); // every connection of the API to PostgreSQL cut, new ones refused
      const written = await journalRow(db, owner.id, campaign.id, 1);
      const beats = stream.comments.length;
      await new Promise((r) => setTimeout(r, 3000));
      expect(stream.comments.length).toBeGreaterThan(beats + 3); // still open, still beating
      expect(outcomes(stream.events)).toEqual([]);

      await proxy.up();
      await stream.next((e) => e.event === 'outcome', 20_000);
      const after = await journalRow(db, owner.id, campaign.id, 2);
      await stream.next((e) => e.event === 'outcome' && e.data.callId === after, 10_000);
      expect(outcomes(stream.events).map((e) => e.data.callId)).toEqual([written, after]);
      const log = readFileSync(api.logFile, 'utf8');
      expect(log.match(/campaign events: poll failed/g)).toHaveLength(1); // said once, not every second
      expect(log).toContain('campaign events: polling again');
    } finally {
      stream?.destroy();
      await api.stop();
      await proxy.close();
    }
  });
});

describe('campaign events on an API with small limits', () => {
  it('limits streams per owner and in all (429 with Retry-After), beats, keeps tickets single-use and out of its log, ends streams on shutdown', async () => {
    const api = await startExtraApi({
      EVENTS_MAX_CONNECTIONS_PER_OWNER: '2',
      EVENTS_MAX_CONNECTIONS: '3',
      EVENTS_HEARTBEAT_MS: '200',
      LOG_LEVEL: 'debug',
      METRICS_TOKEN: 'events-test-metrics-token',
    });
    const open: EventStream[] = [];
    try {
      const owner = await createUser();
      const other = await createUser();
      // Made through the stack's API (same database); streamed from this one, with its tokens.
      const stackToken = async (u: { username: string; password: string }) =>
        (await login(u.username, u.password)).access_token;
      const [ownerStack, otherStack] = await Promise.all([stackToken(owner), stackToken(other)]);
      const campaign = await draft(ownerStack, await campaignParts(ownerStack, 2));
      const theirs = await draft(otherStack, await campaignParts(otherStack, 2));
      const ownerToken = (await login(owner.username, owner.password, api.url)).access_token;
      const otherToken = (await login(other.username, other.password, api.url)).access_token;
      const url = (id: string) => `${api.url}${eventsPath(id)}`;

      for (let i = 0; i < 2; i++) open.push(await openEventStream(url(campaign.id), bearer(ownerToken)));
      expect(open.map((s) => s.status)).toEqual([200, 200]);
      const third = await openEventStream(url(campaign.id), bearer(ownerToken));
      expect(third.status).toBe(429);
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      open.push(await openEventStream(url(theirs.id), bearer(otherToken)));
      expect(open[2].status).toBe(200);
      expect((await openEventStream(url(theirs.id), bearer(otherToken))).status).toBe(429); // 3 in all
      const metrics = await (
        await fetch(`${api.url}/metrics`, { headers: bearer('events-test-metrics-token') })
      ).text();
      expect(metrics).toMatch(/^voicecast_event_streams 3$/m);
      expect(metrics).toMatch(/^voicecast_event_campaigns_watched 2$/m);
      // HEAD: the headers, and no stream held open.
      const head = await fetch(url(campaign.id), { method: 'HEAD', headers: bearer(otherToken) });
      expect(head.status).toBe(404);

      // Heartbeats on an idle stream.
      await open[0].next((e) => e.event === 'snapshot');
      const deadline = Date.now() + 5000;
      while (open[0].comments.filter((c) => c === 'heartbeat').length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(open[0].comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(2);

      // A stream closed by its client gives its slot back.
      open.shift()!.destroy();
      let ticketStream: EventStream | undefined;
      const ticketRes = await fetch(`${api.url}${eventsPath(campaign.id)}/ticket`, {
        method: 'POST',
        headers: bearer(ownerToken),
      });
      const { ticket, expiresAt } = (await ticketRes.json()) as { ticket: string; expiresAt: string };
      expect(ticketRes.status).toBe(200);
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(31_000);
      for (let i = 0; i < 50 && ticketStream?.status !== 200; i++) {
        // The ticket is spent by the first try even if that one is refused (429): take new ones.
        const t =
          i === 0
            ? ticket
            : (
                (await (
                  await fetch(`${api.url}${eventsPath(campaign.id)}/ticket`, {
                    method: 'POST',
                    headers: bearer(ownerToken),
                  })
                ).json()) as { ticket: string }
              ).ticket;
        ticketStream = await openEventStream(`${url(campaign.id)}?ticket=${t}`);
        if (ticketStream.status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ticketStream?.status).toBe(200);
      open.push(ticketStream!);
      // Single use, and only for its campaign.
      open.pop()!.destroy();
      await new Promise((r) => setTimeout(r, 300));
      expect((await openEventStream(`${url(campaign.id)}?ticket=${ticket}`)).status).toBe(401);
      const forTheirs = (
        (await (
          await fetch(`${api.url}${eventsPath(campaign.id)}/ticket`, { method: 'POST', headers: bearer(ownerToken) })
        ).json()) as { ticket: string }
      ).ticket;
      expect((await openEventStream(`${url(theirs.id)}?ticket=${forTheirs}`)).status).toBe(401);

      const log = readFileSync(api.logFile, 'utf8');
      expect(log).toContain('/events');
      expect(log).not.toContain(ticket);
      expect(log).not.toContain(forTheirs);

      // Shutdown ends the streams at once, not after the grace period (2 s here).
      const stillOpen = open.filter((s) => s.status === 200 && !s.events.some((e) => e.event === 'end'));
      expect(stillOpen.length).toBeGreaterThan(0);
      const started = Date.now();
      const stopping = api.stop();
      await Promise.all(stillOpen.map((s) => streamEnded(s, 10_000)));
      expect(Date.now() - started).toBeLessThan(1500);
      await stopping;
    } finally {
      for (const s of open) s.destroy();
      await api.stop().catch(() => undefined);
    }
  });
});
