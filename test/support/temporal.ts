/**
 * The harness for workflow tests: a TestWorkflowEnvironment on the test stack's real
 * Temporal dev server, and a Worker built from the real workflow bundle and activities.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import {
  createActivities,
  RecordingSpool,
  RecordingUploader,
  WebhookDispatcher,
  type ActivityDeps,
} from '../../activities';
import { parseConfig } from '../../lib/config';
import { SecretBox } from '../../lib/secret-box';
import { createStorage } from '../../lib/storage';
import { TelephonyEngine } from '../../telephony/engine';
import { readStack } from './stack';

let runtimeInstalled = false;

/** Connects to the stack's Temporal server (never downloads a server binary). */
export async function testEnvironment(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const { temporal } = readStack();
  return TestWorkflowEnvironment.createFromExistingServer({ address: temporal.address, namespace: temporal.namespace });
}

/**
 * Real activity dependencies pointed at the test stack; `overrides` swaps parts (e.g. a dead
 * MinIO). The telephony engine (loopback, the stack's RTP range) is closed by `close()`.
 */
export function activityDeps(overrides: Partial<ActivityDeps> = {}): {
  deps: ActivityDeps;
  close: () => Promise<void>;
} {
  const stack = readStack();
  const pool = new Pool({ connectionString: stack.databaseUrl, max: 2 });
  const endpoint = new URL(stack.minio.endpoint);
  const storage = createStorage({
    endPoint: endpoint.hostname,
    port: Number(endpoint.port),
    useSSL: false,
    accessKey: stack.minio.accessKey,
    secretKey: stack.minio.secretKey,
    region: 'us-east-1',
    buckets: { audio: 'voicecast-audio', recordings: 'voicecast-recordings' },
  });
  const config = parseConfig(stack.env);
  const engine = new TelephonyEngine({
    bindAddress: '127.0.0.1',
    rtpPorts: config.telephony.rtpPorts,
    pacer: config.telephony.pacer,
    mediaThreads: config.telephony.mediaThreads,
  });
  // Webhook deliveries go to the stack's webhook queue (its worker delivers them).
  const temporal = new Client({
    connection: Connection.lazy({ address: stack.temporal.address }),
    namespace: stack.temporal.namespace,
  });
  const webhooks = new WebhookDispatcher(pool, temporal, {
    taskQueue: config.webhooks.taskQueue,
    policy: config.webhooks.policy,
  });
  // A spool of its own; no uploader loop: the call activity's first try stores the recording.
  const spoolDir = mkdtempSync(join(tmpdir(), 'voicecast-test-spool-'));
  const uploader = RecordingSpool.open(spoolDir).then(
    (spool) =>
      new RecordingUploader({
        pool,
        storage: overrides.storage ?? storage,
        bucket: config.minio.buckets.recordings,
        spool,
        retry: config.recordings.retry,
        webhooks,
      }),
  );
  const deps: ActivityDeps = {
    identity: `test-worker-${randomUUID()}`,
    pool,
    storage,
    probeBucket: 'voicecast-audio',
    engine,
    secrets: new SecretBox(config.encryptionKeys),
    buckets: config.minio.buckets,
    webhooks,
    recordings: {
      spoolRecording: async (key, wav) => (await uploader).spoolRecording(key, wav),
      firstTry: async (attemptId) => (await uploader).firstTry(attemptId),
      discard: async (file) => (await uploader).discard(file),
    },
    policyDefaults: config.policies,
    ...overrides,
  };
  return {
    deps,
    close: async () => {
      await (await uploader).stop();
      await Promise.all([pool.end(), engine.close(), temporal.connection.close()]);
      rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

export async function createTestWorker(
  env: TestWorkflowEnvironment,
  deps: ActivityDeps,
  taskQueue: string,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: readStack().temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createActivities(deps),
  });
}
