/**
 * Building blocks for campaign end-to-end tests that need an owner of their own (policies
 * are per owner): a trunk pointing at a sipp gateway, an audio message and contact lists made
 * through the API as that owner, and the journal as the tests read it.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { Pool } from 'pg';
import { headerValues, receivedRequests, type SippInstance } from '../../scripts/services/sipp';
import { encodeWav } from '../../telephony/media/wav';
import type { CampaignWorkflow } from '../../workflows/definitions';
import { call } from './api';
import { readStack } from './stack';

async function created(res: Response, what: string): Promise<string> {
  if (res.status !== 201) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** A trunk to `sipp` with these limits, owned by the holder of `token`. */
export async function gatewayTrunk(
  token: string,
  sipp: Pick<SippInstance, 'port'>,
  limits: { maxConcurrentCalls: number; maxCallsPerSecond: number },
  transport: 'udp' | 'tcp' = 'udp',
): Promise<string> {
  const body = { name: `gw-${sipp.port}-${Date.now()}`, host: '127.0.0.1', port: sipp.port, transport };
  return created(
    await call('POST', '/api/v1/trunks', { token, body: { ...body, callerIdNumber: '+4930000000', ...limits } }),
    'trunk',
  );
}

/** A message of `seconds` of a 440 Hz tone. */
export async function toneMessage(token: string, seconds: number): Promise<string> {
  const pcm = new Int16Array(8000 * seconds).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const form = new FormData();
  form.append('file', new Blob([encodeWav(pcm, 8000)]), 'message.wav');
  form.append('name', `message ${seconds}s`);
  const res = await fetch(`${readStack().apiUrl}/api/v1/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return created(res, 'audio upload');
}

export { phoneList } from './contact-lists';

export interface JournalRow {
  phone_e164: string;
  attempt: number;
  attempt_id: string;
  outcome: string;
  invite_at: Date;
  end_at: Date;
  campaign_id: string;
}

export async function journalOf(db: Pool, campaignIds: readonly string[]): Promise<JournalRow[]> {
  const { rows } = await db.query<JournalRow>(
    `SELECT phone_e164, attempt, attempt_id, outcome, invite_at, end_at, campaign_id FROM call_record
     WHERE campaign_id = ANY($1) ORDER BY phone_e164, invite_at`,
    [campaignIds],
  );
  return rows;
}

export async function contactsOf(db: Pool, campaignId: string) {
  const { rows } = await db.query<{ phone_e164: string; state: string; attempts: number; final_outcome: string }>(
    'SELECT phone_e164, state, attempts, final_outcome FROM campaign_contact WHERE campaign_id = $1 ORDER BY line',
    [campaignId],
  );
  return rows;
}

/** The most calls live at one instant, from the journal's invite and end times. */
export function peakConcurrency(rows: readonly Pick<JournalRow, 'invite_at' | 'end_at'>[]): number {
  const edges = rows.flatMap((r) => [
    [r.invite_at.getTime(), 1],
    [r.end_at.getTime(), -1],
  ]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let live = 0;
  let peak = 0;
  for (const [, delta] of edges) peak = Math.max(peak, (live += delta));
  return peak;
}

/** The workflows' results; after `timeoutMs` fails with the journal so far and sipp's logs (if any). */
export async function resultsOf(
  db: Pool,
  runs: readonly { handle: WorkflowHandle<CampaignWorkflow>; campaignId: string }[],
  sipp: SippInstance | undefined,
  timeoutMs = 60_000,
) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const results = await Promise.race([Promise.all(runs.map((r) => r.handle.result())), timeout]);
  clearTimeout(timer);
  if (results !== 'timeout') return results;
  const rows = await journalOf(
    db,
    runs.map((r) => r.campaignId),
  );
  const lines = rows.map((r) => `${r.campaign_id} ${r.attempt_id} ${r.phone_e164} ${r.outcome}`);
  throw new Error(`campaigns not finished\n${lines.join('\n')}\n${sipp?.diagnostics() ?? ''}`);
}

/** Where the gateway's INVITEs came from (the top Via's sent-by): one source per worker's user agent. */
export function inviteSources(sipp: SippInstance): Set<string | undefined> {
  return new Set(receivedRequests(sipp, 'INVITE').map((m) => headerValues(m, 'Via')[0]?.split(';')[0]));
}
