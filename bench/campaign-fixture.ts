/**
 * What `make bench-campaign` and `make bench-faults` share: a sipp gateway, a campaign
 * against it (trunk, message, contact list) through the API, the wait for every contact to
 * be final, and the campaign's journal and contact states read from PostgreSQL.
 */
import { Client as PgClient } from 'pg';
import { startSippUas, type SippInstance } from '../scripts/services/sipp.js';
import { sineWave } from '../telephony/media/tone.js';
import { encodeWav } from '../telephony/media/wav.js';
import { fileForm, type BenchApi } from './bench-api.js';

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export interface GatewayOptions {
  /** Calls sipp takes before it exits. */
  readonly calls: number;
  readonly timeoutMs: number;
  /** Scenario file (default test/sipp/uas-answer.xml: answers at once, no RTP back, waits for our BYE). */
  readonly scenario?: string;
  readonly extraArgs?: readonly string[];
}

export function startGateway(options: GatewayOptions): Promise<SippInstance> {
  return startSippUas({
    scenario: options.scenario ?? 'uas-answer',
    transport: 'udp',
    quiet: true,
    calls: options.calls,
    ringMs: 0,
    timeoutMs: options.timeoutMs,
    timeoutIsError: false,
    extraArgs: options.extraArgs,
  });
}

export interface CampaignSpec {
  /** Names the trunk, message, list and campaign (names are unique per owner). */
  readonly tag: string;
  readonly contacts: number;
  readonly concurrency: number;
  readonly messageMs: number;
  readonly record: boolean;
  /** First number; the contacts are `+4930<first + i>`. */
  readonly firstNumber?: number;
  /** The campaign's new calls per second (default 1000: unpaced). */
  readonly callsPerSecond?: number;
}

/** The numbers of a campaign, in list order. */
export function campaignNumbers(spec: CampaignSpec): string[] {
  const first = spec.firstNumber ?? 100_000_000;
  return Array.from({ length: spec.contacts }, (_, i) => `+4930${first + i}`);
}

/** A trunk to `gateway`, with room for the campaign's calls. */
function createTrunk(api: BenchApi, gateway: SippInstance, spec: CampaignSpec, name: string) {
  return api.request<{ id: string }>('POST', '/api/v1/trunks', 201, {
    name,
    host: '127.0.0.1',
    port: gateway.port,
    transport: 'udp',
    callerIdNumber: '+4930999999',
    maxConcurrentCalls: Math.max(200, spec.concurrency),
    maxCallsPerSecond: 1000,
  });
}

/**
 * Trunk to the gateway, the message, the contact list, and the campaign (not started).
 * `fallbacks`: more gateways, each a trunk after the first in the campaign's group (failover).
 */
export async function createCampaign(
  api: BenchApi,
  gateway: SippInstance,
  spec: CampaignSpec,
  fallbacks: readonly SippInstance[] = [],
): Promise<string> {
  const trunk = await createTrunk(api, gateway, spec, spec.tag);
  const more: string[] = [];
  for (const [i, g] of fallbacks.entries()) more.push((await createTrunk(api, g, spec, `${spec.tag}-${i + 2}`)).id);
  const wav = encodeWav(sineWave({ frequency: 440, durationMs: spec.messageMs }), 8000);
  const audio = await api.request<{ id: string }>('POST', '/api/v1/audio', 201, fileForm(spec.tag, 'message.wav', wav));
  const csv = `phone\n${campaignNumbers(spec).join('\n')}\n`;
  const list = await api.request<{ id: string; imported: number }>(
    'POST',
    '/api/v1/contact-lists',
    201,
    fileForm(spec.tag, 'contacts.csv', csv),
  );
  if (list.imported !== spec.contacts) throw new Error(`imported ${list.imported} of ${spec.contacts} contacts`);
  const campaign = await api.request<{ id: string }>('POST', '/api/v1/campaigns', 201, {
    name: spec.tag,
    trunkIds: [trunk.id, ...more],
    audioId: audio.id,
    contactListId: list.id,
    maxConcurrentCalls: spec.concurrency,
    callsPerSecond: spec.callsPerSecond ?? 1000,
    maxAttempts: 1,
    record: spec.record,
  });
  return campaign.id;
}

export interface CampaignDetail {
  status: string;
  progress: { total: number; done: number; outcomes: Record<string, number> };
}

export interface CampaignRun {
  /** Every contact reached a final state and the campaign left `running`. */
  readonly completed: boolean;
  readonly seconds: number;
  /** The last detail read (or undefined when none could be read). */
  readonly detail: CampaignDetail | undefined;
  /** Polls that failed (the API or its database down): tolerated, counted. */
  readonly failedPolls: number;
}

/**
 * Starts the campaign and polls it until it is no longer running, or `deadlineMs` passes
 * (then `completed` is false). A poll that fails is retried: during a fault the API may
 * answer 5xx or not at all.
 */
export async function runCampaign(
  api: BenchApi,
  id: string,
  deadlineMs: number,
  onStarted?: () => void,
): Promise<CampaignRun> {
  const started = performance.now();
  await api.request('POST', `/api/v1/campaigns/${id}/start`, 200);
  onStarted?.();
  let detail: CampaignDetail | undefined;
  let failedPolls = 0;
  for (;;) {
    try {
      detail = await api.request<CampaignDetail>('GET', `/api/v1/campaigns/${id}`, 200);
      if (!['running', 'paused', 'draft'].includes(detail.status)) {
        return { completed: true, seconds: (performance.now() - started) / 1000, detail, failedPolls };
      }
    } catch {
      failedPolls += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    if (seconds * 1000 > deadlineMs) return { completed: false, seconds, detail, failedPolls };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface JournalSummary {
  /** `call_record` rows of the campaign. */
  readonly rows: number;
  /** Rows with an INVITE that got an answer or a SIP status (a call the gateway saw). */
  readonly placed: number;
  readonly answered: number;
  /** Answered rows without a recording key. */
  readonly answeredWithoutRecording: number;
  /** Rows journalled `failed` or as lost (`attempt lost…`, `worker lost…`), by end reason. */
  readonly failedOrLost: Readonly<Record<string, number>>;
  /** `campaign_contact` rows by state. */
  readonly contactStates: Readonly<Record<string, number>>;
  /** Contacts with more than one answered journal row. */
  readonly answeredTwice: number;
}

export async function withDatabase<T>(url: string, use: (db: PgClient) => Promise<T>): Promise<T> {
  const db = new PgClient({ connectionString: url });
  await db.connect();
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

/** What the journal and the scheduler state say about campaign `id`. */
export function journalSummary(databaseUrl: string, id: string): Promise<JournalSummary> {
  return withDatabase(databaseUrl, async (db) => {
    const totals = await db.query<Record<string, string>>(
      `SELECT count(*) AS rows,
              count(*) FILTER (WHERE answer_at IS NOT NULL OR sip_code IS NOT NULL) AS placed,
              count(*) FILTER (WHERE outcome = 'answered') AS answered,
              count(*) FILTER (WHERE outcome = 'answered' AND recording_key IS NULL) AS without_recording
         FROM call_record WHERE campaign_id = $1`,
      [id],
    );
    const failed = await db.query<{ end_reason: string; n: string }>(
      `SELECT end_reason, count(*) AS n FROM call_record
        WHERE campaign_id = $1 AND (outcome = 'failed' OR end_reason ILIKE '%lost%')
        GROUP BY end_reason ORDER BY n DESC`,
      [id],
    );
    const states = await db.query<{ state: string; n: string }>(
      'SELECT state, count(*) AS n FROM campaign_contact WHERE campaign_id = $1 GROUP BY state ORDER BY state',
      [id],
    );
    const twice = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT campaign_contact_id FROM call_record
        WHERE campaign_id = $1 AND outcome = 'answered' GROUP BY campaign_contact_id HAVING count(*) > 1) t`,
      [id],
    );
    const t = totals.rows[0];
    return {
      rows: Number(t.rows),
      placed: Number(t.placed),
      answered: Number(t.answered),
      answeredWithoutRecording: Number(t.without_recording),
      failedOrLost: Object.fromEntries(failed.rows.map((r) => [r.end_reason, Number(r.n)])),
      contactStates: Object.fromEntries(states.rows.map((r) => [r.state, Number(r.n)])),
      answeredTwice: Number(twice.rows[0].n),
    };
  });
}

/** "done 1994, in_flight 6" */
export const describeCounts = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

/** Contacts not in a final state (done or cancelled). */
export const openContacts = (states: Readonly<Record<string, number>>): number =>
  Object.entries(states)
    .filter(([state]) => state !== 'done' && state !== 'cancelled')
    .reduce((sum, [, n]) => sum + n, 0);
