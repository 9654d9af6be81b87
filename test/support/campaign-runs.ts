/**
 * Campaign runs for the activity tests: the campaign row and its contacts (copied from a
 * contact list made through the API, as starting a campaign does) written with SQL, and
 * `runCampaign` started on a task queue of the test's choice, so the real worker process
 * (the stack's, or an extra one the test starts and kills) runs it. The API's own path to
 * the same state is tested in campaign-control.test.ts (helpers in ./campaigns.ts).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Pool } from 'pg';
import { campaignWorkflow, type CampaignWorkflow } from '../../workflows/definitions';
import type { CampaignRunInput, CampaignRunResult } from '../../campaign/campaign-types';
import type { CallingWindow } from '../../campaign/calling-window';
import { readStack } from './stack';

export interface CampaignSpec {
  readonly ownerId: string;
  readonly trunkId: string;
  readonly audioId: string;
  readonly contactListId: string;
  readonly maxConcurrentCalls?: number;
  readonly callsPerSecond?: number;
  readonly maxAttempts?: number;
  readonly retryDelaySeconds?: number;
  readonly retryOn?: readonly string[];
  readonly ringTimeoutSeconds?: number;
  readonly maxCallSeconds?: number;
  readonly record?: boolean;
  readonly recordingsPrivate?: boolean;
  readonly callingWindow?: CallingWindow;
  /** Caller ID override (the trunk's otherwise). */
  readonly callerIdNumber?: string;
}

export interface TestCampaign {
  readonly id: string;
  readonly spec: CampaignSpec;
  readonly input: CampaignRunInput;
}

/** Inserts the campaign and copies the list's contacts into campaign_contact. */
export async function insertCampaign(db: Pool, spec: CampaignSpec): Promise<TestCampaign> {
  const id = randomUUID();
  const s = {
    maxConcurrentCalls: 5,
    callsPerSecond: 50,
    maxAttempts: 1,
    retryDelaySeconds: 1,
    retryOn: ['busy', 'no_answer', 'unavailable', 'failed'],
    ringTimeoutSeconds: 2,
    maxCallSeconds: 30,
    record: true,
    recordingsPrivate: false,
    ...spec,
  };
  await db.query(
    `INSERT INTO campaign (id, owner_id, name, status, trunk_id, audio_id, contact_list_id, max_concurrent_calls,
       calls_per_second, max_attempts, retry_delay_seconds, retry_on, ring_timeout_seconds, max_call_seconds,
       calling_window, record, recordings_private, caller_id_number, created_at, updated_at, started_at)
     VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now(), now(), now())`,
    [
      id,
      s.ownerId,
      `campaign ${id}`,
      s.trunkId,
      s.audioId,
      s.contactListId,
      s.maxConcurrentCalls,
      s.callsPerSecond,
      s.maxAttempts,
      s.retryDelaySeconds,
      s.retryOn,
      s.ringTimeoutSeconds,
      s.maxCallSeconds,
      s.callingWindow ? JSON.stringify(s.callingWindow) : null,
      s.record,
      s.recordingsPrivate,
      s.callerIdNumber ?? null,
    ],
  );
  await db.query(
    `INSERT INTO campaign_contact (campaign_id, line, phone_e164, name, variables, next_attempt_at, updated_at)
     SELECT $1, line, phone_e164, name, variables, now(), now() FROM contact WHERE list_id = $2`,
    [id, s.contactListId],
  );
  const input: CampaignRunInput = {
    campaignId: id,
    ownerId: s.ownerId,
    settings: {
      maxConcurrentCalls: s.maxConcurrentCalls,
      ...(s.callingWindow ? { callingWindow: s.callingWindow } : {}),
    },
  };
  return { id, spec: s, input };
}

let client: Promise<Client> | undefined;

/** A Temporal client on the stack's server (one per test file). */
export function temporalClient(): Promise<Client> {
  client ??= (async () => {
    const { temporal } = readStack();
    const connection = await Connection.connect({ address: temporal.address });
    return new Client({ connection, namespace: temporal.namespace });
  })();
  return client;
}

export async function closeTemporalClient(): Promise<void> {
  if (!client) return;
  const c = await client;
  client = undefined;
  await c.connection.close();
}

/** Starts the campaign workflow as the API will: workflow id `campaign-<id>`, the stack's task queue, search attributes. */
export async function startCampaign(
  campaign: TestCampaign,
  taskQueue = readStack().temporal.taskQueue,
): Promise<WorkflowHandle<CampaignWorkflow>> {
  const c = await temporalClient();
  return c.workflow.start<CampaignWorkflow>(campaignWorkflow, {
    workflowId: `campaign-${campaign.id}`,
    taskQueue,
    args: [campaign.input],
    searchAttributes: {
      CampaignId: [campaign.id],
      OwnerId: [campaign.spec.ownerId],
      CampaignStatus: ['running'],
    },
  });
}

export type { CampaignRunResult };

/** Polls `check` every 100 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
