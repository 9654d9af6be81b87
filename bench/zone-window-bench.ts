/**
 * `make bench-zone-window`: the cost of calling windows on the callee's clock at scale, on a
 * private PostgreSQL. A list of BENCH_CONTACTS (default 1,000,000) numbers spread over
 * NANP area codes, Europe, Russian and Australian mobiles and numbers of unknown zone is
 * copied into a campaign as `POST …/start` does, once campaign-wide and once with zones;
 * then the claim (the workflow's `claimDueAttempts`, limit 100) is timed in the steady
 * state, and right after every contact came due at once (a night's retries: the closed zone
 * sets are moved to their openings in one pass). The window is computed from now so that
 * some zone sets are open and others closed. Prints figures; asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaignActivities, type CampaignActivityDeps } from '../activities/campaign.activities.js';
import { WebhookDispatcher } from '../activities/webhook-dispatch.js';
import { deferClosedZones } from '../activities/zone-claim.js';
import { copyContacts } from '../db/campaign-contacts.js';
import { createOrm, migrateUp } from '../db/orm.js';
import { inTransaction, nativePool, type Pool } from '../db/sql.js';
import { freePorts, startPostgres } from '../scripts/services/index.js';
import type { CallingWindow } from '../campaign/calling-window.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
if (!(CONTACTS >= 10 && CONTACTS <= 1_000_000))
  throw new Error('BENCH_CONTACTS: 10 to 1,000,000 (five digits per template)');
const CLAIMS = 20;

/** Number templates (`#` = a generated digit), by share of the list. */
const TEMPLATES = [
  '+121273#####', // New York
  '+141573#####', // Los Angeles
  '+131273#####', // Chicago
  '+180873#####', // Honolulu
  '+180055#####', // NANP toll-free: every NANP zone
  '+4930#######', // Berlin
  '+44207######', // London
  '+7916#######', // Russian mobile: every zone of +7
  '+614########', // Australian mobile: every Australian zone
  '+800########', // international freephone: zone unknown
];

const print = (line: string) => process.stdout.write(`${line}\n`);
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** `HH:MM` in `timeZone` at `at` plus `hours`. */
function localTime(timeZone: string, hours: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(
    new Date(Date.now() + hours * 3_600_000),
  );
}

async function seed(pool: Pool): Promise<{ ownerId: string; listId: string }> {
  const ownerId = randomUUID();
  const listId = randomUUID();
  await pool.query(
    `INSERT INTO "user" (id, username, password_hash, created_at, updated_at) VALUES ($1, 'bench', 'x', now(), now())`,
    [ownerId],
  );
  await pool.query(
    `INSERT INTO contact_list (id, owner_id, name, status, created_at) VALUES ($1, $2, 'bench', 'ready', now())`,
    [listId, ownerId],
  );
  // Line n uses template n mod 10, its digits filled with n div 10: every number is distinct.
  await pool.query(
    `INSERT INTO contact (list_id, line, phone_e164, variables)
     SELECT $1, n, overlay(t.template placing lpad(((n - 1) / 10)::text, length(t.template) - strpos(t.template, '#') + 1, '0')
                            from strpos(t.template, '#')), '{}'
     FROM generate_series(1, $2::int) n
     JOIN unnest($3::text[]) WITH ORDINALITY t(template, i) ON t.i = (n - 1) % array_length($3::text[], 1) + 1`,
    [listId, CONTACTS, TEMPLATES],
  );
  return { ownerId, listId };
}

async function campaign(pool: Pool, ownerId: string, listId: string, window: CallingWindow): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO campaign (id, owner_id, name, status, contact_list_id, max_concurrent_calls, calls_per_second,
       max_attempts, retry_delay_seconds, retry_on, ring_timeout_seconds, max_call_seconds, calling_window,
       created_at, updated_at)
     VALUES ($1, $2, 'bench', 'running', $3, 100, 100, 3, 600, '{busy}', 30, 300, $4, now(), now())`,
    [id, ownerId, listId, JSON.stringify(window)],
  );
  return id;
}

async function timeClaims(pool: Pool, campaignId: string, label: string): Promise<void> {
  // claimDueAttempts needs the pool and the webhook dispatcher, whose outbox query is part of
  // every claim (the outbox is empty here, so it never reaches Temporal); the call
  // dependencies stay unused.
  const webhooks = new WebhookDispatcher(pool, undefined as unknown as Client, {
    taskQueue: 'unused',
    policy: { attemptTimeoutMs: 1, initialRetryMs: 1, maxRetryIntervalMs: 1, giveUpAfterMs: 1 },
  });
  const activities = createCampaignActivities({
    pool,
    webhooks,
    buckets: { audio: 'unused' },
  } as unknown as CampaignActivityDeps);
  const times: number[] = [];
  let claimed = 0;
  for (let i = 0; i < CLAIMS; i += 1) {
    const start = process.hrtime.bigint();
    const result = await activities.claimDueAttempts({ campaignId, limit: 100, claimKey: `bench:${i}`, adopt: false });
    times.push(ms(start));
    claimed += result.attempts.length;
  }
  const sorted = [...times].sort((a, b) => a - b);
  print(
    `${label}: first ${times[0].toFixed(1)} ms, then median ${sorted[Math.floor(CLAIMS / 2)].toFixed(1)} ms, ` +
      `max ${sorted[CLAIMS - 1].toFixed(1)} ms (${CLAIMS} claims of 100, ${claimed} contacts claimed)`,
  );
}

/** The zone part of a claim alone: list the zone sets, decide each, move nothing (all moved already). */
async function timeDeferral(pool: Pool, campaignId: string, window: CallingWindow): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < CLAIMS; i += 1) {
    const start = process.hrtime.bigint();
    await inTransaction(pool, (client) => deferClosedZones(client, campaignId, window, new Date()));
    times.push(ms(start));
  }
  times.sort((a, b) => a - b);
  print(`  of which the zone sets (list, decide, move none): median ${times[Math.floor(CLAIMS / 2)].toFixed(1)} ms`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'zone-bench-'));
  chmodSync(dir, 0o755);
  const [port] = await freePorts(1);
  const pg = await startPostgres({
    dataDir: join(dir, 'data'),
    port,
    user: 'bench',
    password: 'bench',
    database: 'bench',
    persistent: false,
    logFile: join(dir, 'postgres.log'),
  });
  const orm = await createOrm({ url: `postgres://bench:bench@127.0.0.1:${port}/bench`, poolMax: 4 });
  try {
    await migrateUp(orm);
    const pool = await nativePool(orm);
    let start = process.hrtime.bigint();
    const { ownerId, listId } = await seed(pool);
    print(`${CONTACTS} contacts seeded in ${(ms(start) / 1000).toFixed(1)} s`);
    // Open in New York for the next four hours: Chicago and Honolulu differ, Europe is closed.
    const window: CallingWindow = {
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      from: localTime('America/New_York', -1),
      to: localTime('America/New_York', 4),
      timezone: 'America/New_York',
    };
    for (const timezoneFrom of ['campaign', 'number'] as const) {
      const id = await campaign(pool, ownerId, listId, { ...window, timezoneFrom });
      start = process.hrtime.bigint();
      await inTransaction(pool, (client) => copyContacts(client, id, listId, { ...window, timezoneFrom }));
      print(`start, timezoneFrom ${timezoneFrom}: contacts copied in ${(ms(start) / 1000).toFixed(1)} s`);
      await pool.query('ANALYZE campaign_contact');
      if (timezoneFrom === 'campaign') {
        await timeClaims(pool, id, 'claim, campaign-wide window (for comparison)');
        continue;
      }
      const { rows } = await pool.query<{ zones: string; n: string; due: string }>(
        `SELECT left(time_zones, 60) AS zones, count(*) AS n, count(*) FILTER (WHERE next_attempt_at <= now()) AS due
         FROM campaign_contact WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1`,
        [id],
      );
      for (const r of rows) print(`  ${r.zones.padEnd(60)} ${r.n.padStart(8)} contacts, ${r.due.padStart(8)} due now`);
      await timeClaims(pool, id, 'claim, steady state');
      await timeDeferral(pool, id, { ...window, timezoneFrom });
      await pool.query(`UPDATE campaign_contact SET next_attempt_at = now() WHERE campaign_id = $1`, [id]);
      await pool.query('ANALYZE campaign_contact');
      await timeClaims(pool, id, 'claim, every contact due at once');
    }
  } finally {
    await orm.close();
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
