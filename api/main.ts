/**
 * API process: migrate (or check the migrations are applied), bootstrap keys and the first admin, start HTTP. Exits non-zero on
 * a fatal start-up error; drains in-flight requests on SIGTERM / SIGINT.
 */
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { ensureAdmin } from '../auth/bootstrap-admin.js';
import { loadOrCreateKeys } from '../auth/keys.js';
import { purgeExpiredPayloads } from '../db/oidc-payload.js';
import { createAuthServer } from '../auth/provider.js';
import { createTokenVerifier } from '../auth/token-verifier.js';
import { createOrm, migrateUp, pendingMigrations, withoutTimeouts } from '../db/orm.js';
import { nativePool, type Pool } from '../db/sql.js';
import { loadConfig, type Config } from '../lib/config.js';
import { SecretBox } from '../lib/secret-box.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { createStorage, ensureBuckets } from '../lib/storage.js';
import { createApp } from './app.js';
import { purgeOldAuditEntries } from './audit/audit-retention.js';
import { CampaignReconciler } from './campaigns/campaign-reconciler.js';
import { CampaignWorkflows, callRetrySetting } from './campaigns/campaign-workflows.js';
import { Container } from './container.js';
import { startGrpcServer, type RunningGrpcServer } from './grpc/grpc-server.js';
import { stackServicePorts } from '../lib/trunk-networks.js';
import { LazyTelephony } from './telephony.js';

const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;

const KEEP_ALIVE_TIMEOUT_MS = 65_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'api' });

  await migrateOrCheck(config, logger);
  const orm = await createOrm(config.database, logger);
  const pool = await nativePool(orm);
  await ensureAdmin(orm.em, config.auth.admin, logger);
  const keys = await loadOrCreateKeys(pool, new SecretBox(config.encryptionKeys));

  const storage = createStorage(config.minio);
  // MinIO may come up after us; readiness reports it meanwhile.
  const bucketsReady = retryUntil(() => ensureBuckets(storage, config.minio), {
    deadlineMs: Number.MAX_SAFE_INTEGER,
    onRetry: (err) => logger.warn({ error: String(err) }, 'MinIO not ready, retrying bucket set-up'),
  });
  void bucketsReady.then(() => logger.info('object storage buckets ready'));

  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new TemporalClient({ connection, namespace: config.temporal.namespace });

  const { provider, throttle } = createAuthServer({
    config: config.auth,
    trustProxy: config.api.trustProxy,
    em: orm.em,
    pool,
    keys,
    logger: logger.child({ component: 'oauth' }),
  });
  const verifyToken = createTokenVerifier({ issuer: config.auth.issuer, audience: config.auth.audience, keys, pool });
  const telephony = new LazyTelephony(config.telephony, logger, stackServicePorts(config));
  const container = new Container({ config, logger, orm, pool, storage, temporal, keys, verifyToken, telephony });
  const app = createApp(container, provider);

  const server = app.listen(config.api.port, config.api.host, () => {
    logger.info({ url: config.api.publicUrl, host: config.api.host, port: config.api.port }, 'API listening');
  });
  // Idle keep-alive connections outlive the usual 60 s of load balancers and clients: a server
  // that closes first (Node's default is 5 s) races a client sending its next request on the
  // same connection, which then fails with a reset (seen under load with POST uploads).
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  server.on('error', (err) => {
    logger.fatal({ err }, 'HTTP server failed');
    process.exit(1);
  });
  const grpc = await startGrpc(config, container, logger);

  const sweepAudit = () =>
    purgeOldAuditEntries(pool, config.api.auditRetentionDays).then((deleted) => {
      if (deleted > 0) logger.info({ deleted, days: config.api.auditRetentionDays }, 'old audit entries deleted');
    });
  sweepAudit().catch((err: unknown) => logger.warn({ err }, 'audit retention sweep failed'));
  const housekeeping = setInterval(() => {
    Promise.all([purgeExpiredPayloads(pool), throttle.purgeExpired(), sweepAudit()]).catch((err: unknown) =>
      logger.warn({ err }, 'housekeeping failed'),
    );
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  const reconcile = startReconciler(config, pool, temporal, logger.child({ component: 'reconciler' }));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    clearInterval(housekeeping);
    if (reconcile) clearInterval(reconcile);
    // Event streams never finish by themselves: end them now (clients reconnect elsewhere with
    // their Last-Event-ID), or the server would wait the whole grace period for them.
    container.campaignEvents.close();
    const force = setTimeout(() => {
      logger.warn('grace period over, closing remaining connections');
      server.closeAllConnections();
    }, config.api.shutdownGraceSeconds * 1000);
    force.unref();
    const grpcStopped = grpc?.stop(config.api.shutdownGraceSeconds * 1000);
    server.close(() => {
      void Promise.allSettled([
        grpcStopped,
        orm.close(),
        connection.close(),
        telephony.close(),
        container.close(),
      ]).then(() => {
        logger.info('stopped');
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** The call journal's gRPC service (api/grpc/), unless GRPC_PORT=off; a port in use is fatal, as for HTTP. */
async function startGrpc(config: Config, container: Container, logger: Logger): Promise<RunningGrpcServer | undefined> {
  const { grpc } = config.api;
  if (grpc.port === undefined) return undefined;
  const running = await startGrpcServer(
    { ...grpc, port: grpc.port },
    {
      verifyToken: container.infra.verifyToken,
      ingest: container.journalIngest,
      calls: container.calls,
      recordings: { dir: config.uploads.dir, maxBytes: config.ingest.recordingMaxBytes },
      admission: container.uploadAdmission,
      logger: logger.child({ component: 'grpc' }),
    },
  );
  logger.info({ host: grpc.host, port: running.port, tls: grpc.tls !== undefined }, 'gRPC listening');
  return running;
}

/**
 * MIGRATE_ON_START=true (the default, what `make run` wants): applies pending migrations, on
 * connections of their own without the statement timeouts of the pool (F11). false: the
 * operator runs them as a step of its own (`make migrate`, Compose's `migrate` service) and the
 * API refuses to start on a database that is behind its code (F18).
 */
async function migrateOrCheck(config: Config, logger: Logger): Promise<void> {
  const migrationOrm = await createOrm({ ...withoutTimeouts(config.database), poolMax: 2 }, logger);
  try {
    const step = config.database.migrateOnStart ? migrateUp : pendingMigrations;
    const names = await retryUntil(() => step(migrationOrm), {
      deadlineMs: 60_000,
      onRetry: (err, delayMs) => logger.warn({ error: String(err), delayMs }, 'PostgreSQL not ready, retrying'),
    });
    if (config.database.migrateOnStart) {
      if (names.length) logger.info({ applied: names }, 'applied migrations');
    } else if (names.length) {
      throw new Error(
        `the database lacks ${names.length} migration(s) (${names.join(', ')}): run \`make migrate\` ` +
          '(or the migrate service) first, or set MIGRATE_ON_START=true',
      );
    }
  } finally {
    await migrationOrm.close();
  }
}

/** Reconciles campaign statuses with their workflows every CAMPAIGN_RECONCILE_SECONDS (see campaign-reconciler.ts). */
function startReconciler(config: Config, pool: Pool, temporal: TemporalClient, logger: Logger) {
  const seconds = config.api.campaignReconcileSeconds;
  if (seconds === 0) return undefined;
  const workflows = new CampaignWorkflows(
    temporal,
    config.temporal.taskQueue,
    logger,
    callRetrySetting(config.api.campaignCallRetry),
  );
  const reconciler = new CampaignReconciler(pool, workflows, logger);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    reconciler
      .reconcileOnce()
      .catch((err: unknown) =>
        logger.warn({ error: String(err) }, 'campaign reconciliation failed; trying again later'),
      )
      .finally(() => (busy = false));
  }, seconds * 1000);
  timer.unref();
  return timer;
}

main().catch((err: unknown) => {
  process.stderr.write(`API failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
