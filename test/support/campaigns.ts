/**
 * Campaign building blocks for the integration tests, made through the API (a trunk, an
 * audio message, a contact list), JSON helpers for the campaign routes, and a Temporal
 * client on the test stack's server to look at the campaign workflows the API starts.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { call, problemFields, userToken } from './api';
import { uploadAudio } from './audio';
import { uploadContacts } from './contact-lists';
import { readStack } from './stack';
import { buildWav, encodeSamples, sine } from './wav-builder';

export interface CampaignParts {
  readonly trunkId: string;
  readonly audioId: string;
  readonly contactListId: string;
  /** E.164 numbers of the list, in file order. */
  readonly phones: readonly string[];
}

async function created(res: Response, what: string): Promise<{ id: string }> {
  if (res.status !== 201) throw new Error(`creating the ${what} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/**
 * A trunk pointing at a port where nothing listens (or at `options.port`), a 1-second
 * message and a list of `contacts` Berlin numbers (or `options.phones`), all owned by the
 * holder of `token`.
 */
export async function campaignParts(
  token: string,
  contacts = 5,
  options: { readonly port?: number; readonly phones?: readonly string[] } = {},
): Promise<CampaignParts> {
  const trunk = await created(
    await call('POST', '/api/v1/trunks', {
      token,
      body: {
        name: `trunk-${randomUUID().slice(0, 8)}`,
        host: '127.0.0.1',
        port: options.port ?? 9,
        callerIdNumber: '+4930999999',
      },
    }),
    'trunk',
  );
  const wav = buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000 }, encodeSamples([sine(440, 8000, 1)], 1, 16));
  const audio = await created(await uploadAudio({ token, bytes: wav, name: 'hello' }), 'audio message');
  const phones = options.phones ?? Array.from({ length: contacts }, (_, i) => `+4930${String(1_234_000 + i)}`);
  const list = await created(
    await uploadContacts(token, `phone,name\n${phones.map((p, i) => `${p},Person ${i}`).join('\n')}\n`),
    'contact list',
  );
  return { trunkId: trunk.id, audioId: audio.id, contactListId: list.id, phones };
}

/**
 * A calling window that is closed now and for the next hours (it opens in three hours, for
 * one hour, every day, in UTC): a started campaign waits in it and places no call, whether
 * or not the worker can dial.
 */
export function closedWindow(now = new Date()): { days: string[]; from: string; to: string; timezone: string } {
  const at = (hours: number) => {
    const d = new Date(now.getTime() + hours * 3_600_000);
    return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  };
  return { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: at(3), to: at(4), timezone: 'UTC' };
}

/** A Temporal client on the test stack's server; close its connection when done. */
export async function openTemporalClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const { temporal } = readStack();
  const connection = await Connection.connect({ address: temporal.address });
  return { client: new Client({ connection, namespace: temporal.namespace }), close: () => connection.close() };
}

/** A campaign as the API answers it (the fields the tests read). */
export interface CampaignBody {
  id: string;
  ownerId: string;
  name: string;
  status: string;
  trunkId: string | null;
  audioId: string | null;
  contactListId: string | null;
  workflowId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  progress?: Record<string, unknown> & { total: number; pending: number };
  live?: { status: string; inFlight: unknown[]; callsStarted: number; waitingForWindowUntil: string | null };
  [key: string]: unknown;
}

export { userToken };

/** The body of `res`, which must have `status` (else the error quotes the answer). */
export async function json<T = CampaignBody>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const campaignBody = (parts: CampaignParts, extra: Record<string, unknown> = {}) => ({
  name: `c-${randomUUID().slice(0, 8)}`,
  trunkId: parts.trunkId,
  audioId: parts.audioId,
  contactListId: parts.contactListId,
  ...extra,
});

export async function createCampaign(
  token: string,
  parts: CampaignParts,
  extra: Record<string, unknown> = {},
): Promise<CampaignBody> {
  return json(await call('POST', '/api/v1/campaigns', { token, body: campaignBody(parts, extra) }), 201);
}

/** What a campaign test file needs from the stack; valid inside its tests. */
export interface CampaignTestContext {
  readonly pool: Pool;
  readonly temporal: Client;
  /** POST …/start (200 expected); the workflow is terminated after the file's tests. */
  start(token: string, id: string): Promise<CampaignBody>;
  /** A campaign started with a closed calling window: running, but placing no calls. */
  running(token: string, parts?: CampaignParts): Promise<CampaignBody>;
}

/**
 * Registers the file's beforeAll/afterAll: a database pool, a Temporal client, and at the
 * end the termination of every campaign workflow the file started, so the stack's worker
 * is left alone.
 */
export function campaignTestContext(): CampaignTestContext {
  let pool: Pool | undefined;
  let temporal: { client: Client; close: () => Promise<void> } | undefined;
  const started: string[] = [];
  beforeAll(async () => {
    pool = new Pool({ connectionString: readStack().databaseUrl, max: 2 });
    temporal = await openTemporalClient();
  });
  afterAll(async () => {
    const client = temporal?.client;
    if (client) {
      await Promise.all(
        started.map((id) =>
          client.workflow
            .getHandle(`campaign-${id}`)
            .terminate('test finished')
            .catch(() => undefined),
        ),
      );
    }
    await temporal?.close();
    await pool?.end();
  });
  const context: CampaignTestContext = {
    get pool() {
      if (!pool) throw new Error('campaignTestContext: used outside a test');
      return pool;
    },
    get temporal() {
      if (!temporal) throw new Error('campaignTestContext: used outside a test');
      return temporal.client;
    },
    async start(token, id) {
      const running = await json(await call('POST', `/api/v1/campaigns/${id}/start`, { token }), 200);
      started.push(id);
      return running;
    },
    async running(token, parts) {
      const campaign = await createCampaign(token, parts ?? (await campaignParts(token)), {
        callingWindow: closedWindow(),
      });
      return context.start(token, campaign.id);
    },
  };
  return context;
}

/**
 * The fields a 422 names when a fresh user POSTs a campaign whose `trunkId` is replaced by
 * `trunks(trunkId)` (a trunk group's validation cases, trunk-groups and trunk-weights tests).
 */
export async function refusedTrunkFields(trunks: (trunkId: string) => Record<string, unknown>): Promise<string[]> {
  const { token } = await userToken();
  const parts = await campaignParts(token, 1);
  const { trunkId, ...rest } = campaignBody(parts);
  return problemFields(await call('POST', '/api/v1/campaigns', { token, body: { ...rest, ...trunks(trunkId) } }));
}
