/**
 * The Temporal worker: serves task queue `dialer` with the workflows in workflows/ and
 * the activities in activities/, and the webhook task queue (`dialer-webhooks`) with the
 * webhook deliveries, in a Worker of its own: its slots are its own, so receivers that are
 * slow or down never hold up a call. Hosts the telephony engine the campaign calls go through.
 * On SIGTERM / SIGINT the SDK stops polling, lets running activities finish (up to
 * SHUTDOWN_GRACE_SECONDS; then it cancels them, which hangs their calls up), and only then is
 * the engine closed.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import {
  createActivities,
  createWebhookActivities,
  RecordingSpool,
  RecordingUploader,
  sweepUnscopedDeliveries,
  WebhookDispatcher,
} from './activities/index.js';
import { WorkerCallSlots } from './activities/call-slots.js';
import { createOrm } from './db/orm.js';
import { nativePool } from './db/sql.js';
import { loadConfig } from './lib/config.js';
import { createLogger } from './lib/logger.js';
import { retryUntil } from './lib/retry.js';
import { SecretBox } from './lib/secret-box.js';
import { createStorage } from './lib/storage.js';
import { temporalLogger } from './lib/temporal-logger.js';
import { stackServicePorts, TrunkNetworks } from './lib/trunk-networks.js';
import { WebhookNetworks } from './lib/webhook-networks.js';
import { startWorkerMetrics } from './lib/worker-metrics.js';
import { TelephonyEngine } from './telephony/engine.js';
import { TrunkProber } from './activities/trunk-prober.js';
import { MALLOC_SETTINGS, missingMallocSettings } from './lib/malloc-settings.js';
import { bundleInChild } from './lib/workflow-bundle.js';

/** Activity slots beyond WORKER_MAX_CALLS, for the activities that are not calls. */
const ACTIVITY_HEADROOM = 20;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  const sdkLogger = temporalLogger(logger.child({ component: 'temporal' }));
  Runtime.install({
    logger: sdkLogger,
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    shutdownSignals: ['SIGINT', 'SIGTERM'],
  });

  const orm = await createOrm(config.database, logger);
  const pool = await nativePool(orm);
  const storage = createStorage(config.minio);
  const identity = `voicecast-worker@${hostname()}:${process.pid}`;
  // Where SIP and RTP may go (F2): trunk hosts, outbound proxies and SDP media addresses.
  const trunkNetworks = new TrunkNetworks(config.telephony.trunkAllowedNetworks, stackServicePorts(config));
  const engine = new TelephonyEngine({
    bindAddress: config.telephony.bindAddress,
    ...(config.telephony.publicAddress ? { publicAddress: config.telephony.publicAddress } : {}),
    ...(config.telephony.sipUdpPorts ? { sipUdpPorts: config.telephony.sipUdpPorts } : {}),
    rtpPorts: config.telephony.rtpPorts,
    pacer: config.telephony.pacer,
    mediaThreads: config.telephony.mediaThreads,
    logger: logger.child({ component: 'telephony' }),
    addressPolicy: (address, port) => trunkNetworks.refusal(address, port),
  });

  const connection = await retryUntil(() => NativeConnection.connect({ address: config.temporal.address }), {
    deadlineMs: 60_000,
    onRetry: (err, delayMs) => logger.warn({ error: String(err), delayMs }, 'Temporal not reachable, retrying'),
  });
  // Starts webhook deliveries from the activities that journal calls.
  const client = new Client({
    connection: Connection.lazy({ address: config.temporal.address }),
    namespace: config.temporal.namespace,
  });
  const { webhooks: hooks } = config;
  const secrets = new SecretBox(config.encryptionKeys);
  const webhooks = new WebhookDispatcher(pool, client, { taskQueue: hooks.taskQueue, policy: hooks.policy });
  // Resumes the uploads a previous run on this spool directory left (activities/recording-outbox.ts).
  const recordings = new RecordingUploader({
    pool,
    storage,
    bucket: config.minio.buckets.recordings,
    spool: await RecordingSpool.open(config.recordings.spoolDir),
    retry: config.recordings.retry,
    webhooks,
    logger: logger.child({ component: 'recordings' }),
  });
  recordings.start();
  // External calls' deliveries the API wrote but could not start (activities/webhook-dispatch.ts).
  const stopSweep = sweepUnscopedDeliveries(webhooks, (err) =>
    logger.warn({ error: String(err) }, 'sweep of external calls’ webhook deliveries failed'),
  );
  // Bundled once for both workers, in a child process so that webpack never loads into this
  // one (lib/workflow-bundle.ts); or bundled beforehand by scripts/bundle-workflows.ts
  // (WORKFLOW_BUNDLE_PATH), which spares the seconds bundling takes at every start.
  const workflowBundle = config.temporal.workflowBundlePath
    ? { codePath: config.temporal.workflowBundlePath }
    : { code: await bundleInChild(join(__dirname, 'scripts', 'bundle-workflows.js')) };
  const common = { connection, namespace: config.temporal.namespace, identity, workflowBundle };
  // WORKER_MAX_CALLS, shared fairly between the owners whose calls this worker carries (F13).
  const callSlots = new WorkerCallSlots({
    slots: config.telephony.maxCallsPerWorker,
    fairShare: config.telephony.fairShare.enabled,
    headroom: config.telephony.fairShare.headroom,
    retryMs: config.telephony.fairShare.retryMs,
  });
  // OPTIONS to the trunks held down by their breaker: back up as soon as they answer.
  const probeEvery = config.telephony.trunkProbeIntervalMs;
  const prober =
    probeEvery > 0
      ? new TrunkProber({
          pool,
          secrets,
          engine,
          intervalMs: probeEvery,
          timeoutMs: Math.min(probeEvery, config.telephony.trunkTestTimeoutSeconds * 1000),
          logger: logger.child({ component: 'trunk-probe' }),
        })
      : undefined;
  prober?.start();
  const { metrics: metricsAt } = config.telephony;
  const metrics =
    metricsAt.port === undefined
      ? undefined
      : await startWorkerMetrics({
          host: metricsAt.host,
          port: metricsAt.port,
          ...(config.api.metricsToken ? { token: config.api.metricsToken } : {}),
          sources: {
            sipGuard: () => engine.sipGuard.snapshot(),
            callSlots: () => {
              const use = callSlots.use();
              return { used: use.used, slots: config.telephony.maxCallsPerWorker, waitingOwners: use.waiting.length };
            },
            mediaHeaps: () => engine.mediaHeaps(),
            ...(prober ? { trunkProbes: () => prober.counts() } : {}),
          },
          logger: logger.child({ component: 'metrics' }),
        });
  const worker = await Worker.create({
    ...common,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({
      identity,
      pool,
      storage,
      probeBucket: config.minio.buckets.audio,
      engine,
      secrets,
      buckets: config.minio.buckets,
      webhooks,
      recordings,
      policyDefaults: config.policies,
      callSlots,
      prepareBatch: config.api.campaignCopyBatch,
      infraRetrySeconds: config.api.campaignInfraRetrySeconds,
      breaker: config.telephony.trunkBreaker,
      logger: logger.child({ component: 'campaign' }),
    }),
    // Every live call is one running activity: the SDK's default of 100 would cap a worker at
    // 100 calls whatever the campaigns allow. The headroom keeps the other activities on this
    // queue (the worker check, attempts refused a call slot on their way back) from waiting
    // behind a full worker's calls; deliveries have their own.
    maxConcurrentActivityTaskExecutions: config.telephony.maxCallsPerWorker + ACTIVITY_HEADROOM,
    // A call's heartbeat timeout is long (CALL_HEARTBEAT_TIMEOUT, so a Temporal blip ends no
    // call), but its heartbeats still go out this often: a campaign's cancel reaches the call
    // within this time, as it did with the 5 s timeout before.
    maxHeartbeatThrottleInterval: '4 seconds',
    shutdownGraceTime: `${config.api.shutdownGraceSeconds} seconds`,
  });
  const webhookWorker = await Worker.create({
    ...common,
    taskQueue: hooks.taskQueue,
    activities: createWebhookActivities({
      pool,
      secrets,
      networks: new WebhookNetworks(config.webhooks.allowedNetworks),
      logger: logger.child({ component: 'webhooks' }),
    }),
    maxConcurrentActivityTaskExecutions: hooks.maxConcurrentDeliveries,
    shutdownGraceTime: `${config.api.shutdownGraceSeconds} seconds`,
  });
  const malloc = missingMallocSettings();
  if (malloc.length > 0) {
    logger.warn(
      { missing: malloc, set: MALLOC_SETTINGS },
      'started without the allocator settings: recorded calls can double the worker’s memory (docs/operations.md)',
    );
  }
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      webhookTaskQueue: hooks.taskQueue,
      namespace: config.temporal.namespace,
      identity,
    },
    'worker started',
  );
  try {
    await runTogether(worker, webhookWorker);
  } finally {
    // The workers have returned once every activity has finished: no call is live any more.
    // Uploads not done by now stay in the spool and the outbox for the next run.
    stopSweep();
    await recordings.stop();
    await prober?.stop();
    await Promise.allSettled([
      engine.close(),
      connection.close(),
      client.connection.close(),
      orm.close(),
      metrics?.close(),
    ]);
    logger.info('worker stopped');
  }
}

/** Runs both workers; when one stops (a signal stops both, or a fatal error one), the other is shut down too. */
async function runTogether(...workers: Worker[]): Promise<void> {
  const results = await Promise.allSettled(
    workers.map((w) =>
      w.run().finally(() => {
        for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
      }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
