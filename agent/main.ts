/**
 * `voicecast-agent`: ships a PBX's spool directories (`<id>.json` + `<id>.wav`) to the call
 * journal over gRPC (docs/operations.md, "The ingest agent"). Run: `node dist/agent/main.js`
 * with its settings in the environment (AGENT_*); SIGTERM / SIGINT finish the pair in hand
 * and stop. Prometheus metrics on AGENT_METRICS_HOST:AGENT_METRICS_PORT (`/metrics`; with
 * AGENT_METRICS_TOKEN as a bearer token, which a host other than loopback needs).
 */
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { gauge, mirroredCounter, serveMetrics, type WorkerMetricsServer } from '../lib/worker-metrics.js';
import { LAYOUTS } from './field-mapping.js';
import { JournalSender } from './journal-sender.js';
import { SpoolAgent } from './spool-agent.js';

const schema = z.object({
  AGENT_SPOOL_DIRS: z.string().min(1),
  AGENT_GRPC_ADDRESS: z.string().min(3).default('127.0.0.1:50051'),
  AGENT_GRPC_TLS: z.enum(['true', 'false']).default('false'),
  /** PEM of the CA(s) the server's certificate must chain to instead of the system's (implies TLS). */
  AGENT_GRPC_CA_FILE: z.string().min(1).optional(),
  AGENT_TOKEN_URL: z.url(),
  AGENT_CLIENT_ID: z.string().min(1),
  AGENT_CLIENT_SECRET: z.string().min(1),
  AGENT_SOURCE: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/),
  AGENT_LAYOUT: z.enum(LAYOUTS as unknown as ['native', 'asterisk', 'freeswitch']).default('native'),
  AGENT_STABLE_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  AGENT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  AGENT_BACKOFF_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  AGENT_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(600_000).default(30_000),
  AGENT_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  AGENT_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /** The bearer token a scrape must carry; without one the metrics are served on loopback only. */
  AGENT_METRICS_TOKEN: z.string().min(16).max(256).optional(),
});

const log = (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}) => {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), name: 'agent', msg, ...fields })}\n`);
};

/** The agent's figures on `GET /metrics`, served like the worker's (lib/worker-metrics.ts). */
function metrics(agent: SpoolAgent, env: z.infer<typeof schema>): Promise<WorkerMetricsServer | undefined> {
  const registry = new Registry();
  const c = agent.counters;
  gauge(
    registry,
    'voicecast_agent_queue_depth',
    'Complete or incomplete pairs waiting in the spool directories',
    () => c.queueDepth,
  );
  gauge(registry, 'voicecast_agent_waiting', '1 while the server is unavailable and the agent waits', () => c.waiting);
  mirroredCounter(registry, 'voicecast_agent_sent_total', 'Pairs the server confirmed (moved to sent/)', () => c.sent);
  mirroredCounter(registry, 'voicecast_agent_rejected_total', 'Pairs moved to rejected/', () => c.rejected);
  mirroredCounter(
    registry,
    'voicecast_agent_send_failures_total',
    'Sends that failed for want of the server (retried)',
    () => c.failures,
  );
  return serveMetrics(registry, {
    host: env.AGENT_METRICS_HOST,
    port: env.AGENT_METRICS_PORT,
    ...(env.AGENT_METRICS_TOKEN ? { token: env.AGENT_METRICS_TOKEN } : {}),
    tokenSetting: 'AGENT_METRICS_TOKEN',
    logger: {
      info: (fields: object, msg: string) => log('info', msg, { ...fields }),
      error: (fields: object, msg: string) => log('error', msg, { ...fields }),
    },
  });
}

/** TLS as configured; a CA file that cannot be read stops the agent at once (exit 2). */
function grpcTls(env: z.infer<typeof schema>): false | { ca?: Buffer } {
  if (env.AGENT_GRPC_CA_FILE === undefined) return env.AGENT_GRPC_TLS === 'true' ? {} : false;
  try {
    return { ca: readFileSync(env.AGENT_GRPC_CA_FILE) };
  } catch (err) {
    log('error', 'invalid configuration', { issues: [`AGENT_GRPC_CA_FILE: ${(err as Error).message}`] });
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    log('error', 'invalid configuration', {
      issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
    process.exit(2);
  }
  const env = parsed.data;
  const sender = new JournalSender({
    address: env.AGENT_GRPC_ADDRESS,
    tls: grpcTls(env),
    tokenUrl: env.AGENT_TOKEN_URL,
    clientId: env.AGENT_CLIENT_ID,
    clientSecret: env.AGENT_CLIENT_SECRET,
  });
  const agent = new SpoolAgent(
    {
      dirs: env.AGENT_SPOOL_DIRS.split(',')
        .map((d) => d.trim())
        .filter(Boolean),
      layout: env.AGENT_LAYOUT,
      source: env.AGENT_SOURCE,
      stableMs: env.AGENT_STABLE_MS,
      pollMs: env.AGENT_POLL_MS,
      backoffMs: env.AGENT_BACKOFF_MS,
      maxBackoffMs: env.AGENT_BACKOFF_MAX_MS,
    },
    sender,
    log,
  );
  const served = await metrics(agent, env);
  const stop = () => agent.stop();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log('info', 'agent started', {
    dirs: env.AGENT_SPOOL_DIRS,
    address: env.AGENT_GRPC_ADDRESS,
    layout: env.AGENT_LAYOUT,
  });
  await agent.run();
  sender.close();
  await served?.close();
  log('info', 'agent stopped', { ...agent.counters });
}

main().catch((err: unknown) => {
  log('error', 'agent failed', { error: String(err) });
  process.exit(1);
});
