/**
 * A campaign's live events in a real browser: headless Chromium (Debian's, installed by
 * scripts/test-tools.sh; playwright-core only drives it) opens a native `EventSource` on a
 * page of the API's origin with a one-time ticket, watches the campaign dial sipp, drops the
 * stream after the first outcome and comes back with a new ticket and its last event id —
 * and has every outcome once, in order, then `end`.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Pool } from 'pg';
import { call } from '../support/api';
import { json, userToken } from '../support/campaigns';
import { gatewayParts } from '../support/gateway-campaigns';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { readStack } from '../support/stack';

jest.setTimeout(120_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const gateway = sippGateways({ transport: 'udp', ringMs: 200 });

interface SeenEvent {
  type: string;
  id: string;
  data: Record<string, unknown>;
}

/** What the page's script keeps on its global object (the page's types, not Node's: no DOM lib here). */
interface PageEventSource {
  readonly readyState: number;
  close(): void;
  addEventListener(type: string, listener: (e: { lastEventId: string; data: string }) => void): void;
}
interface PageGlobals {
  seen: SeenEvent[];
  source?: PageEventSource;
  listen(path: string, token: string, lastEventId?: string): Promise<void>;
  EventSource: new (url: string) => PageEventSource;
}

let browser: Browser;
let db: Pool;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: run scripts/test-tools.sh (installs Debian's chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
  db = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
});
afterAll(async () => {
  await browser?.close();
  await db?.end();
});

/** The page's side: a ticket with the bearer token, then a native EventSource that records what it gets. */
async function installListener(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.seen = [];
    w.listen = async (path, token, lastEventId) => {
      const res = await fetch(`${path}/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const { ticket } = (await res.json()) as { ticket: string };
      const query = new URLSearchParams({ ticket, ...(lastEventId ? { lastEventId } : {}) });
      const source = new w.EventSource(`${path}?${query.toString()}`);
      w.source = source;
      for (const type of ['snapshot', 'outcome', 'progress', 'status', 'end']) {
        source.addEventListener(type, (e) => {
          w.seen.push({ type, id: e.lastEventId, data: JSON.parse(e.data) as Record<string, unknown> });
          if (type === 'end') source.close();
        });
      }
    };
  });
}

test('a browser EventSource follows a campaign with a ticket, and resumes after a drop without gaps or repeats', async () => {
  const owner = await userToken();
  const phones = ['+493055600010', '+493055600021', '+493055600030', '+493055600040'];
  const sipp = await gateway({ scenario: 'uas-route-by-number', calls: phones.length, timeoutMs: 90_000 });
  const parts = await gatewayParts(owner.token, sipp, phones, 1);
  const campaign = await json<{ id: string }>(
    await call('POST', '/api/v1/campaigns', {
      token: owner.token,
      body: { name: 'browser events', ...parts, maxConcurrentCalls: 1, maxAttempts: 1 },
    }),
    201,
  );
  const path = `/api/v1/campaigns/${campaign.id}/events`;

  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${readStack().apiUrl}/docs/`); // the API's origin: a page it serves
  await installListener(page);
  await page.evaluate(([p, t]) => (globalThis as unknown as PageGlobals).listen(p, t), [path, owner.token]);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).seen.some((e) => e.type === 'snapshot'));

  await json(await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { token: owner.token }), 200);
  await page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).seen.some((e) => e.type === 'outcome'),
    undefined,
    {
      timeout: 60_000,
    },
  );
  // The connection drops: a new ticket, and the last id the browser saw.
  const lastId = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.source?.close();
    return w.seen.filter((e) => e.type === 'outcome').at(-1)?.id ?? '';
  });
  await page.evaluate(
    ([p, t, id]) => (globalThis as unknown as PageGlobals).listen(p, t, id),
    [path, owner.token, lastId],
  );
  await page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).seen.some((e) => e.type === 'end'),
    undefined,
    {
      timeout: 90_000,
    },
  );
  await expectSippExit(sipp, 0);

  const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).seen);
  const outcomes = seen.filter((e) => e.type === 'outcome');
  const { rows } = await db.query<{ id: string; phone_e164: string; outcome: string }>(
    'SELECT id, phone_e164, outcome FROM call_record WHERE campaign_id = $1',
    [campaign.id],
  );
  expect(outcomes.map((e) => e.data.callId).sort()).toEqual(rows.map((r) => r.id).sort()); // each once
  expect(new Set(outcomes.map((e) => e.id)).size).toBe(outcomes.length);
  expect(outcomes.map((e) => e.data.outcome).sort()).toEqual(['answered', 'answered', 'answered', 'busy']);
  // Ids rise in the order they came, across the reconnect.
  const positions = outcomes.map((e) => BigInt(e.id.split('.')[0]));
  expect(positions.every((p, i) => i === 0 || p >= positions[i - 1])).toBe(true);
  expect(seen.filter((e) => e.type === 'snapshot')).toHaveLength(2);
  expect(seen.filter((e) => e.type === 'snapshot')[1].id).toBe(lastId);
  expect(seen.at(-1)).toMatchObject({ type: 'end', data: { status: 'completed', progress: { done: 4 } } });
  expect(problems).toEqual([]);
});
