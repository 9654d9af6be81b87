/**
 * The Temporal worker: serves task queue `dialer` with the workflows in workflows/ and
 * the activities in activities/. Hosts the telephony engine the campaign calls go through.
 * On SIGTERM / SIGINT the SDK stops polling, lets running activities finish (up to
 * SHUTDOWN_GRACE_SECONDS; then it cancels them, which hangs their calls up), and only then is
 * the engine closed.
 */
import { hostname } from 'node:os';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { createOrm } from './db/orm.js';
import { nativePool } from './db/sql.js';
import { loadConfig } from './lib/config.js';
import { createLogger } from './lib/logger.js';
import { retryUntil } from './lib/retry.js';
import { SecretBox } from './lib/secret-box.js';
import { createStorage } from './lib/storage.js';
import { temporalLogger } from './lib/temporal-logger.js';
import { TelephonyEngine } from './telephony/engine.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  Runtime.install({
    logger: temporalLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
    shutdownSignals: ['SIGINT', 'SIGTERM'],
  });

  const orm = await createOrm(config.database, logger);
  const pool = await nativePool(orm);
  const storage = createStorage(config.minio);
  const identity = `voicecast-worker@${hostname()}:${process.pid}`;
  const engine = new TelephonyEngine({
    bindAddress: config.telephony.bindAddress,
    ...(config.telephony.publicAddress ? { publicAddress: config.telephony.publicAddress } : {}),
    rtpPorts: config.telephony.rtpPorts,
    pacerSpinMs: config.telephony.pacerSpinMs,
    logger: logger.child({ component: 'telephony' }),
  });

  const connection = await retryUntil(() => NativeConnection.connect({ address: config.temporal.address }), {
    deadlineMs: 60_000,
    onRetry: (err, delayMs) => logger.warn({ error: String(err), delayMs }, 'Temporal not reachable, retrying'),
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    identity,
    workflowsPath: require.resolve('./workflows/index'),
    activities: createActivities({
      identity,
      pool,
      storage,
      probeBucket: config.minio.buckets.audio,
      engine,
      secrets: new SecretBox(config.encryptionKeys),
      buckets: config.minio.buckets,
      policyDefaults: config.policies,
      logger: logger.child({ component: 'campaign' }),
    }),
    shutdownGraceTime: `${config.api.shutdownGraceSeconds} seconds`,
  });
  logger.info(
    { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, identity },
    'worker started',
  );
  try {
    await worker.run();
  } finally {
    // worker.run() returns once every activity has finished: no call is live any more.
    await Promise.allSettled([engine.close(), connection.close(), orm.close()]);
    logger.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
