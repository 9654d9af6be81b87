/**
 * `make bench-start`: how fast a million-contact campaign starts (issue 23). On a private
 * stack with a worker and a sipp gateway that answers at once, a list of BENCH_CONTACTS
 * (default 1,000,000) numbers across many time zones is written straight into PostgreSQL
 * for the administrator; then, once campaign-wide and once with a calling window on the
 * callee's clock (zones per contact), a campaign over it is started through the API and
 * timed: the answer to `POST …/start`, the first INVITE (the journal's first `invite_at`),
 * and the background copy until `preparing` became `running`. Each campaign is cancelled as
 * soon as that is measured (a million calls is not the point).
 * The reference, timed in the same run on the same list: the copy `start` did inside the
 * request before (db/campaign-contacts.ts `copyContacts` in one transaction), which is what
 * a client waited for. Prints figures and the ratio; asserts nothing but completeness.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallingWindow } from '../campaign/calling-window.js';
import { copyContacts } from '../db/campaign-contacts.js';
import type { PoolClient } from '../db/sql.js';
import { startPrivateStack, Supervisor, type PrivateStack } from '../scripts/services/index.js';
import { sineWave } from '../telephony/media/tone.js';
import { encodeWav } from '../telephony/media/wav.js';
import { BenchApi, fileForm } from './bench-api.js';
import { print, startGateway, withDatabase } from './campaign-fixture.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
if (!(CONTACTS >= 20_000 && CONTACTS <= 1_000_000)) {
  throw new Error('BENCH_CONTACTS: 20,000 to 1,000,000 (above the inline-copy limit, five digits per template)');
}
/** Numbers across time zones, as bench-zone-window spreads them (`#` = a generated digit). */
const TEMPLATES = ['+121273#####', '+141573#####', '+180873#####', '+4930#######', '+7916#######', '+614########'];
const ALL_DAY: CallingWindow = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  from: '00:00',
  to: '23:59',
  timezone: 'UTC',
  timezoneFrom: 'number',
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** The administrator's id and a ready list of CONTACTS numbers, written straight into PostgreSQL. */
async function seedList(stack: PrivateStack): Promise<string> {
  return withDatabase(stack.databaseUrl, async (db) => {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM "user" WHERE username = $1', [
      stack.admin.username,
    ]);
    const listId = randomUUID();
    await db.query(
      `INSERT INTO contact_list (id, owner_id, name, status, total_rows, imported, created_at)
       VALUES ($1, $2, 'bench-start', 'ready', $3, $3, now())`,
      [listId, rows[0].id, CONTACTS],
    );
    await db.query(
      `INSERT INTO contact (list_id, line, phone_e164, variables)
       SELECT $1, n, overlay(t.template placing lpad(((n - 1) / array_length($3::text[], 1))::text, length(t.template) - strpos(t.template, '#') + 1, '0')
                              from strpos(t.template, '#')), '{}'
       FROM generate_series(1, $2::int) n
       JOIN unnest($3::text[]) WITH ORDINALITY t(template, i) ON t.i = (n - 1) % array_length($3::text[], 1) + 1`,
      [listId, CONTACTS, TEMPLATES],
    );
    await db.query('ANALYZE contact');
    return listId;
  });
}

interface StartTimes {
  readonly answerMs: number;
  readonly status: string;
  readonly firstInviteMs: number;
  readonly copiedMs: number;
  readonly copied: number;
}

async function campaignRow(stack: PrivateStack, id: string) {
  return withDatabase(stack.databaseUrl, async (db) => {
    const { rows } = await db.query<{
      status: string;
      copied_at: Date | null;
      copied: number;
      first_invite: Date | null;
    }>(
      `SELECT status, contacts_copied_at AS copied_at, contacts_copied AS copied,
              (SELECT min(invite_at) FROM call_record WHERE campaign_id = $1) AS first_invite
         FROM campaign WHERE id = $1`,
      [id],
    );
    return rows[0];
  });
}

async function timedStart(
  stack: PrivateStack,
  api: BenchApi,
  parts: { trunkId: string; audioId: string; listId: string },
  window: CallingWindow | null,
): Promise<StartTimes> {
  const tag = `start-${randomUUID().slice(0, 8)}`;
  const campaign = await api.request<{ id: string }>('POST', '/api/v1/campaigns', 201, {
    name: tag,
    trunkId: parts.trunkId,
    audioId: parts.audioId,
    contactListId: parts.listId,
    maxConcurrentCalls: 10,
    callsPerSecond: 100,
    maxAttempts: 1,
    record: false,
    callingWindow: window,
  });
  const t0 = Date.now();
  const started = await api.request<{ status: string }>('POST', `/api/v1/campaigns/${campaign.id}/start`, 200);
  const answerMs = Date.now() - t0;
  let firstInviteMs = NaN;
  for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
    const row = await campaignRow(stack, campaign.id);
    if (Number.isNaN(firstInviteMs) && row.first_invite) firstInviteMs = row.first_invite.getTime() - t0;
    if (row.copied_at) {
      await api.request('POST', `/api/v1/campaigns/${campaign.id}/cancel`, 200);
      return {
        answerMs,
        status: started.status,
        firstInviteMs,
        copiedMs: row.copied_at.getTime() - t0,
        copied: row.copied,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`campaign ${campaign.id}: the copy did not finish within 10 minutes`);
}

/** The copy `POST …/start` ran inside the request before background copies, on the same list. */
async function inlineCopy(stack: PrivateStack, listId: string, window: CallingWindow | null): Promise<number> {
  return withDatabase(stack.databaseUrl, async (db) => {
    const { rows } = await db.query<{ owner_id: string }>('SELECT owner_id FROM contact_list WHERE id = $1', [listId]);
    const id = randomUUID();
    await db.query(
      `INSERT INTO campaign (id, owner_id, name, status, contact_list_id, max_concurrent_calls, calls_per_second,
         max_attempts, retry_delay_seconds, retry_on, ring_timeout_seconds, max_call_seconds, calling_window,
         record, recordings_private, created_at, updated_at)
       VALUES ($1, $2, $3, 'draft', $4, 10, 1, 1, 600, '{}', 30, 300, $5, false, false, now(), now())`,
      [id, rows[0].owner_id, `reference-${id.slice(0, 8)}`, listId, window === null ? null : JSON.stringify(window)],
    );
    const t0 = performance.now();
    await db.query('BEGIN');
    // One client outside a pool: the same queries a pooled client sends.
    await copyContacts(db as unknown as PoolClient, id, listId, window);
    await db.query('COMMIT');
    const ms = performance.now() - t0;
    await db.query('DELETE FROM campaign_contact WHERE campaign_id = $1', [id]);
    await db.query('DELETE FROM campaign WHERE id = $1', [id]);
    return ms;
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-start-'));
  chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
  const supervisor = new Supervisor();
  process.once('exit', () => supervisor.killAll());
  try {
    print(`campaign start: ${thousands(CONTACTS)} contacts, first INVITE and background copy, against the inline copy`);
    const rtpMin = 40_000 + 2000 * Math.floor(Math.random() * 10);
    const stack = await startPrivateStack(dir, supervisor, {
      worker: true,
      env: { RTP_PORT_MIN: String(rtpMin), RTP_PORT_MAX: String(rtpMin + 1999) },
    });
    const gateway = await startGateway({ calls: 100_000, timeoutMs: 3_600_000 });
    try {
      await measure(stack, gateway.port);
    } finally {
      await gateway.stop();
    }
  } finally {
    await supervisor.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(stack: PrivateStack, gatewayPort: number): Promise<void> {
  const api = await BenchApi.login(stack);
  const trunk = await api.request<{ id: string }>('POST', '/api/v1/trunks', 201, {
    name: 'bench-start',
    host: '127.0.0.1',
    port: gatewayPort,
    transport: 'udp',
    callerIdNumber: '+4930999999',
    maxConcurrentCalls: 200,
    maxCallsPerSecond: 1000,
  });
  const wav = encodeWav(sineWave({ frequency: 440, durationMs: 1000 }), 8000);
  const audio = await api.request<{ id: string }>('POST', '/api/v1/audio', 201, fileForm('bench', 'm.wav', wav));
  const seedStart = Date.now();
  const listId = await seedList(stack);
  print(`  list of ${thousands(CONTACTS)} numbers written in ${seconds(Date.now() - seedStart)}`);
  const parts = { trunkId: trunk.id, audioId: audio.id, listId };
  print('  window          | start answer | status    | first INVITE | copy done | inline copy (before) | ratio');
  for (const [label, window] of [
    ['campaign-wide  ', null],
    ["callee's clock ", ALL_DAY],
  ] as const) {
    print(`  machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`);
    const times = await timedStart(stack, api, parts, window);
    const reference = await inlineCopy(stack, listId, window);
    if (times.copied !== CONTACTS) print(`  COPY INCOMPLETE: ${thousands(times.copied)} of ${thousands(CONTACTS)}`);
    print(
      `  ${label} | ${seconds(times.answerMs).padStart(12)} | ${times.status.padEnd(9)} | ${seconds(times.firstInviteMs).padStart(12)} | ` +
        `${seconds(times.copiedMs).padStart(9)} | ${seconds(reference).padStart(20)} | ${(reference / times.answerMs).toFixed(0)}× faster answer`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
