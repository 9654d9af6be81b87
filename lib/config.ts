/**
 * The one place that reads `process.env`.
 *
 * Parsed once, validated with zod, every bad variable listed in one error, then frozen.
 * `.env` in the working directory is loaded first when present (real environment variables
 * win); set `VOICECAST_ENV_FILE` to another path, or to `none` to skip it (the tests do).
 * Every variable is documented in `.env.example`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { deploymentIssues, DEV_SECRETS } from './config-safety.js';
import { parseAllowedNetworks } from './webhook-networks.js';

/** How the worker's RTP pacer times its slots (RTP_PACER_CLOCK, RTP_PACER_PHASES); `make bench-sip` measures with it. */
export const DEFAULT_RTP_PACER = { clock: 'thread', phases: 4 } as const;

/**
 * Worker threads that carry the worker's RTP (RTP_MEDIA_THREADS, 0 keeps RTP on the main
 * thread with SIP): one per CPU, at most 4. `make bench-sip` measures with it.
 */
export const DEFAULT_RTP_MEDIA_THREADS = Math.min(4, availableParallelism());

/** Comma-separated IP networks (lib/webhook-networks.ts), blanks ignored; an entry that is not one is named. */
const networkList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    try {
      return parseAllowedNetworks(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const port = z.coerce.number().int().min(1).max(65535);
const seconds = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Secrets that may come from a file instead (`<NAME>_FILE`, e.g. a Docker secret under
 * /run/secrets), so that they need not sit in the process environment (`docker inspect`).
 */
export const SECRET_FILE_VARIABLES = ['DATABASE_URL', 'MINIO_SECRET_KEY', 'ENCRYPTION_KEYS', 'ADMIN_PASSWORD'] as const;

const bytes = z.coerce.number().int().positive();

/** `kid:base64key,…` — 32-byte AES-256 keys; the first encrypts, all decrypt (rotation). */
const encryptionKeys = z.string().transform((value, ctx) => {
  const keys: { id: string; key: Buffer }[] = [];
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
    const key = match ? Buffer.from(match[2], 'base64') : undefined;
    if (!match || key?.length !== 32 || keys.some((k) => k.id === match[1])) {
      ctx.addIssue({ code: 'custom', message: 'must be kid:base64 entries of 32-byte keys with distinct kids' });
      return z.NEVER;
    }
    keys.push({ id: match[1], key });
  }
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one kid:base64key' });
  return keys;
});

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  GRPC_HOST: z.ipv4().or(z.ipv6()).or(z.literal('localhost')).default('127.0.0.1'),
  GRPC_PORT: z
    .string()
    .default('50051')
    .transform((value, ctx) => {
      if (value === 'off') return undefined;
      const n = Number(value);
      if (/^\d+$/.test(value) && n >= 1 && n <= 65535) return n;
      ctx.addIssue({ code: 'custom', message: 'must be a port (1–65535) or off' });
      return z.NEVER;
    }),
  GRPC_TLS_CERT: z.string().min(1).optional(),
  GRPC_TLS_KEY: z.string().min(1).optional(),
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  API_AUDIENCE: z.string().min(1).optional(),
  TRUST_PROXY: bool.default(false),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(256)
    .regex(
      /^[A-Za-z0-9\-_.~+/]+=*$/,
      'must be a bearer token: letters, digits and - _ . ~ + / (e.g. openssl rand -hex 24)',
    )
    .optional(),
  CORS_ALLOWED_ORIGINS: z.string().default(''),
  SHUTDOWN_GRACE_SECONDS: seconds.default(30),
  CAMPAIGN_RECONCILE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  CAMPAIGN_COPY_INLINE_MAX_CONTACTS: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  CAMPAIGN_COPY_BATCH: z.coerce.number().int().min(1).max(100_000).default(10_000),
  CAMPAIGN_CALL_RETRY_INITIAL_SECONDS: z.coerce.number().min(0.1).max(60).default(2),
  CAMPAIGN_CALL_RETRY_MAX_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(600).default(15),
  CAMPAIGN_INFRA_RETRY_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  EVENTS_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100_000).default(1000),
  EVENTS_MAX_CONNECTIONS_PER_OWNER: z.coerce.number().int().min(1).max(10_000).default(10),
  EVENTS_HEARTBEAT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  EVENTS_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default(DEV_SECRETS.DATABASE_URL),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_CONNECT_TIMEOUT_SECONDS: seconds.max(300).default(10),
  DATABASE_STATEMENT_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  MIGRATE_ON_START: bool.default(true),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dialer'),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),

  MINIO_ENDPOINT: z.url().default('http://127.0.0.1:9000'),
  MINIO_ACCESS_KEY: z.string().min(3).default('voicecast'),
  MINIO_SECRET_KEY: z.string().min(8).default(DEV_SECRETS.MINIO_SECRET_KEY),
  MINIO_REGION: z.string().min(1).default('us-east-1'),
  MINIO_BUCKET_AUDIO: z.string().min(3).default('voicecast-audio'),
  MINIO_BUCKET_RECORDINGS: z.string().min(3).default('voicecast-recordings'),

  ENCRYPTION_KEYS: encryptionKeys.prefault(DEV_SECRETS.ENCRYPTION_KEYS),

  SIP_BIND_ADDRESS: z.ipv4().or(z.ipv6()).default('0.0.0.0'),
  SIP_PUBLIC_ADDRESS: z.string().min(1).optional(),
  SIP_PORT_MIN: port.optional(),
  SIP_PORT_MAX: port.optional(),
  RTP_PORT_MIN: port.default(20000),
  RTP_PORT_MAX: port.default(21999),
  RTP_PACER_CLOCK: z.enum(['thread', 'timers']).default(DEFAULT_RTP_PACER.clock),
  RTP_PACER_PHASES: z.coerce.number().int().min(1).max(20).default(DEFAULT_RTP_PACER.phases),
  RTP_MEDIA_THREADS: z.coerce.number().int().min(0).max(64).default(DEFAULT_RTP_MEDIA_THREADS),
  WORKER_MAX_CALLS: z.coerce.number().int().min(1).max(10_000).default(1000),
  WORKER_FAIR_SHARE: bool.default(true),
  WORKER_FAIR_SHARE_HEADROOM: z.coerce.number().int().min(0).max(9_999).optional(),
  WORKER_FAIR_SHARE_RETRY_SECONDS: z.coerce.number().min(0.1).max(60).default(3),
  WORKER_METRICS_HOST: z.ipv4().or(z.ipv6()).or(z.literal('localhost')).default('127.0.0.1'),
  WORKER_METRICS_PORT: z
    .string()
    .default('9464')
    .transform((value, ctx) => {
      if (value === 'off') return undefined;
      const n = Number(value);
      if (/^\d+$/.test(value) && n <= 65535) return n;
      ctx.addIssue({ code: 'custom', message: 'must be a port (0: any free port) or off' });
      return z.NEVER;
    }),
  TRUNK_TEST_TIMEOUT_SECONDS: seconds.max(60).default(5),
  TRUNK_BREAKER_FAILURES: z.coerce.number().int().min(0).max(1000).default(5),
  TRUNK_BREAKER_HOLD_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  TRUNK_PROBE_INTERVAL_SECONDS: z.coerce
    .number()
    .min(0)
    .max(3600)
    .refine((v) => v === 0 || v >= 0.1, 'must be 0 (off) or at least 0.1')
    .default(10),
  TRUNK_ALLOWED_NETWORKS: networkList,

  WEBHOOK_TASK_QUEUE: z.string().min(1).optional(),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(10),
  WEBHOOK_RETRY_INITIAL_SECONDS: z.coerce.number().positive().max(3600).default(10),
  WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: z.coerce.number().positive().default(3600),
  WEBHOOK_GIVE_UP_AFTER_SECONDS: seconds.default(24 * 3600),
  WEBHOOK_MAX_CONCURRENT_DELIVERIES: z.coerce.number().int().min(1).max(1000).default(50),
  WEBHOOK_ALLOWED_NETWORKS: networkList,

  RECORDING_SPOOL_DIR: z.string().min(1).optional(),
  RECORDING_UPLOAD_RETRY_INITIAL_SECONDS: z.coerce.number().positive().max(3600).default(5),
  RECORDING_UPLOAD_RETRY_MAX_INTERVAL_SECONDS: z.coerce.number().positive().max(86_400).default(300),

  UPLOAD_DIR: z.string().min(1).optional(),
  UPLOAD_MAX_BYTES: bytes.default(512 * 1024 * 1024),
  AUDIO_MAX_UPLOAD_BYTES: bytes.default(50 * 1024 * 1024),
  INGEST_RECORDING_MAX_BYTES: bytes.default(200 * 1024 * 1024),
  AUDIO_MAX_DURATION_SECONDS: seconds.default(600),
  AUDIO_NORMALIZE: bool.default(true),
  AUDIO_LOUDNESS_TARGET_LUFS: z.coerce.number().min(-40).max(-6).default(-18),
  AUDIO_WORKERS: z.coerce.number().int().min(1).max(16).optional(),
  MP3_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  MP3_MAX_QUEUE: z.coerce.number().int().min(0).max(1000).default(16),
  CONTACTS_MAX_UPLOAD_BYTES: bytes.default(512 * 1024 * 1024),
  CONTACTS_IMPORT_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  CONTACTS_REPORT_INVALID_LIMIT: z.coerce.number().int().min(0).max(10_000).default(100),

  FREQUENCY_CAP_MAX_CALLS: z.coerce.number().int().min(0).max(1000).default(0),
  FREQUENCY_CAP_WINDOW_SECONDS: seconds.max(30 * 24 * 3600).default(86400),
  TENANT_MAX_CONCURRENT_CALLS: z.coerce.number().int().min(0).max(100_000).default(100),
  WEBHOOKS_MAX_PER_OWNER: z.coerce.number().int().min(1).max(1000).default(20),
  UPLOADS_MAX_IN_FLIGHT_PER_OWNER: z.coerce.number().int().min(1).max(100).default(4),
  DIAL_DENIED_PREFIXES: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const prefixes = value
        .split(',')
        .map((p) => p.trim().replace(/[\s-]/g, ''))
        .filter(Boolean);
      for (const prefix of prefixes) {
        if (!/^\+\d{1,15}$/.test(prefix)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${prefix}" is not an E.164 prefix (+ and 1 to 15 digits, e.g. +1900)`,
          });
        }
      }
      return prefixes;
    }),

  ADMIN_USERNAME: z.string().min(3).max(64).optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(256).optional(),

  ACCESS_TOKEN_TTL_SECONDS: seconds.max(3600).default(300),
  REFRESH_TOKEN_TTL_SECONDS: seconds.default(14 * 24 * 3600),
  LOGIN_MAX_FAILURES_PER_USERNAME: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(20),
  LOGIN_FAILURE_WINDOW_SECONDS: seconds.default(900),

  VOICECAST_DATA_DIR: z.string().min(1).default('.data'),
  TEMPORAL_UI_PORT: port.default(8233),
  MINIO_CONSOLE_PORT: port.default(9001),
});

export type Env = z.infer<typeof schema>;

/** Rules across variables, checked on the raw values so they are reported with the field errors. */
/** Call slots a worker keeps free for owners below their fair share by default: 1 %, at least one, never all. */
export function defaultFairShareHeadroom(slots: number): number {
  return Math.min(slots - 1, Math.max(1, Math.ceil(slots / 100)));
}

function crossFieldIssues(raw: Record<string, string>): string[] {
  const issues: string[] = [];
  if ('ADMIN_USERNAME' in raw !== 'ADMIN_PASSWORD' in raw) {
    issues.push('ADMIN_PASSWORD: ADMIN_USERNAME and ADMIN_PASSWORD go together');
  }
  if ('GRPC_TLS_CERT' in raw !== 'GRPC_TLS_KEY' in raw) {
    issues.push('GRPC_TLS_KEY: GRPC_TLS_CERT and GRPC_TLS_KEY go together');
  }
  if ('SIP_PORT_MIN' in raw !== 'SIP_PORT_MAX' in raw)
    issues.push('SIP_PORT_MAX: SIP_PORT_MIN and SIP_PORT_MAX go together');
  if (raw.SIP_PORT_MIN && raw.SIP_PORT_MAX && Number(raw.SIP_PORT_MIN) > Number(raw.SIP_PORT_MAX)) {
    issues.push('SIP_PORT_MAX: must not be less than SIP_PORT_MIN');
  }
  if (raw.RTP_PORT_MIN && raw.RTP_PORT_MAX && Number(raw.RTP_PORT_MIN) >= Number(raw.RTP_PORT_MAX)) {
    issues.push('RTP_PORT_MAX: must be greater than RTP_PORT_MIN');
  }
  const maxCalls = Number(raw.WORKER_MAX_CALLS ?? 1000);
  if (raw.WORKER_FAIR_SHARE_HEADROOM && Number(raw.WORKER_FAIR_SHARE_HEADROOM) >= maxCalls) {
    issues.push('WORKER_FAIR_SHARE_HEADROOM: must be less than WORKER_MAX_CALLS');
  }
  issues.push(...deploymentIssues(raw));
  return issues;
}

/**
 * Replaces each `<NAME>_FILE` of {@link SECRET_FILE_VARIABLES} by `NAME` with the file's content
 * (one trailing newline dropped); both set, or an unreadable file, is an issue.
 */
function readSecretFiles(
  raw: Record<string, string>,
  readFile: (path: string) => string,
): { values: Record<string, string>; issues: string[] } {
  const values = { ...raw };
  const issues: string[] = [];
  for (const name of SECRET_FILE_VARIABLES) {
    const path = raw[`${name}_FILE`];
    if (path === undefined) continue;
    delete values[`${name}_FILE`];
    if (raw[name] !== undefined) {
      issues.push(`${name}_FILE: set ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      const content = readFile(path).replace(/\r?\n$/, '');
      if (content) values[name] = content;
      else issues.push(`${name}_FILE: ${path} is empty`);
    } catch (err) {
      issues.push(`${name}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return { values, issues };
}

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly api: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
    readonly trustProxy: boolean;
    /** Bearer token for /metrics and /readyz details (besides an administrator's access token). */
    readonly metricsToken?: string;
    /**
     * The call journal's gRPC service (api/grpc/): GRPC_HOST and GRPC_PORT (undefined: off,
     * `GRPC_PORT=off`); TLS with GRPC_TLS_CERT and GRPC_TLS_KEY (PEM files, both or neither),
     * else plaintext, meant for loopback.
     */
    readonly grpc: {
      readonly host: string;
      readonly port: number | undefined;
      readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
    };
    readonly shutdownGraceSeconds: number;
    /** How often campaign statuses and workflows are reconciled (api/campaigns/campaign-reconciler.ts); 0 = never. */
    readonly campaignReconcileSeconds: number;
    /**
     * A list of at most this many contacts is copied into the campaign inside the start
     * request; a larger one by the workflow, in the background (status `preparing`).
     */
    readonly campaignCopyInlineMax: number;
    /** Contacts per batch of that background copy (the worker reads it). */
    readonly campaignCopyBatch: number;
    /**
     * Back-off of a campaign's call activity (10 tries, then the attempt is given back), set in
     * the workflows this API starts; 2 s doubling to 15 s (~2 minutes). Lower only to test it.
     */
    readonly campaignCallRetry: { readonly initialIntervalMs: number; readonly maximumIntervalMs: number };
    /** How long an attempt given back after an infrastructure failure waits (the worker reads it); 30 s. */
    readonly campaignInfraRetrySeconds: number;
    /** Audit entries older than this many days are deleted (api/audit/audit-retention.ts); 0 = kept forever. */
    readonly auditRetentionDays: number;
    /** Campaign event streams (GET /campaigns/{id}/events), api/campaigns/campaign-event-hub.ts. */
    readonly events: {
      /** Open streams per API process, in all, and per owner; one more is a 429. */
      readonly maxConnections: number;
      readonly maxConnectionsPerOwner: number;
      /** A comment line this often keeps idle streams open through proxies. */
      readonly heartbeatMs: number;
      /** How often each watched campaign's journal and counts are read (once for all its streams). */
      readonly pollMs: number;
    };
  };
  readonly auth: {
    readonly issuer: string;
    readonly audience: string;
    /** Browser origins (besides the API's own) allowed to use the first-party client. */
    readonly corsOrigins: readonly string[];
    readonly accessTokenTtlSeconds: number;
    readonly refreshTokenTtlSeconds: number;
    readonly maxFailuresPerUsername: number;
    readonly maxFailuresPerIp: number;
    readonly failureWindowSeconds: number;
    readonly admin: { readonly username: string; readonly password: string } | undefined;
  };
  readonly database: {
    readonly url: string;
    readonly poolMax: number;
    /** How long a request waits for a pooled connection (or a new one) before it fails. */
    readonly connectTimeoutMs: number;
    /**
     * PostgreSQL `statement_timeout` and `idle_in_transaction_session_timeout` of every pooled
     * connection; 0 = none. Imports and migrations lift them for their own transaction.
     */
    readonly statementTimeoutMs: number;
    readonly idleInTransactionTimeoutMs: number;
    /** The API applies pending migrations at start-up; false: it refuses to start while any is pending. */
    readonly migrateOnStart: boolean;
  };
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    /** The workflows bundled beforehand (scripts/bundle-workflows.ts); absent = the worker bundles them at start. */
    readonly workflowBundlePath?: string;
  };
  readonly minio: {
    readonly endPoint: string;
    readonly port: number;
    readonly useSSL: boolean;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly region: string;
    readonly buckets: { readonly audio: string; readonly recordings: string };
  };
  /** AES-256-GCM keys for secrets at rest (trunk passwords); `keys[0]` encrypts. */
  readonly encryptionKeys: readonly { readonly id: string; readonly key: Buffer }[];
  readonly telephony: {
    readonly bindAddress: string;
    readonly publicAddress: string | undefined;
    /** UDP ports of the worker's SIP sockets (one per trunk); undefined = any free port. */
    readonly sipUdpPorts: { readonly min: number; readonly max: number } | undefined;
    readonly rtpPorts: { readonly min: number; readonly max: number };
    /**
     * The worker's RTP pacer: timed by a clock thread (sub-millisecond) or Node's timers, and
     * spreading calls over `phases` slots per 20 ms frame.
     */
    readonly pacer: { readonly clock: 'thread' | 'timers'; readonly phases: number };
    /** Worker threads carrying the RTP, each with its own pacer and share of `rtpPorts`; 0: the main thread. */
    readonly mediaThreads: number;
    /** Call activities one worker process runs at once (each is one live call). */
    readonly maxCallsPerWorker: number;
    /**
     * How the worker's call slots are shared between owners (activities/call-slots.ts):
     * `enabled` (WORKER_FAIR_SHARE), the slots kept free for owners below their share
     * (WORKER_FAIR_SHARE_HEADROOM, default 1 % of WORKER_MAX_CALLS, at least 1) and how soon
     * a refused attempt is tried again.
     */
    readonly fairShare: { readonly enabled: boolean; readonly headroom: number; readonly retryMs: number };
    readonly trunkTestTimeoutSeconds: number;
    /**
     * Trunks' circuit breakers (activities/trunk-breaker.ts): this many technical failures in
     * a row (TRUNK_BREAKER_FAILURES, 0: never) hold a trunk down for `holdSeconds`
     * (TRUNK_BREAKER_HOLD_SECONDS), then one call tries it again.
     */
    readonly trunkBreaker: { readonly failures: number; readonly holdSeconds: number };
    /**
     * How often a worker sends OPTIONS to each trunk its breaker holds down
     * (activities/trunk-prober.ts; TRUNK_PROBE_INTERVAL_SECONDS, default 10); 0: never.
     */
    readonly trunkProbeIntervalMs: number;
    /**
     * Private or local networks trunks (hosts, outbound proxies, SDP media addresses) may be
     * in all the same (lib/trunk-networks.ts); TRUNK_ALLOWED_NETWORKS.
     */
    readonly trunkAllowedNetworks: readonly string[];
    /**
     * The worker's Prometheus endpoint (lib/worker-metrics.ts): WORKER_METRICS_HOST and
     * WORKER_METRICS_PORT (0: any free port; undefined: off, `WORKER_METRICS_PORT=off`).
     */
    readonly metrics: { readonly host: string; readonly port: number | undefined };
  };
  /** Webhook deliveries (workflows/webhook-delivery.workflow.ts). */
  readonly webhooks: {
    /** Served by the worker apart from the dialer's queue (default `<TEMPORAL_TASK_QUEUE>-webhooks`). */
    readonly taskQueue: string;
    /** POSTs in flight at once per worker. */
    readonly maxConcurrentDeliveries: number;
    /** Private or local networks webhooks may POST to all the same (lib/webhook-networks.ts). */
    readonly allowedNetworks: readonly string[];
    /** How each delivery is tried (workflows/webhook-types.ts), durations in ms. */
    readonly policy: {
      readonly attemptTimeoutMs: number;
      readonly initialRetryMs: number;
      readonly maxRetryIntervalMs: number;
      readonly giveUpAfterMs: number;
    };
  };
  /** Call recordings on the worker (activities/recording-outbox.ts). */
  readonly recordings: {
    /**
     * Where the worker spools a recording (fsynced) before anything else, until it is in
     * object storage; keep it on a persistent disk (default `<VOICECAST_DATA_DIR>/recording-spool`).
     */
    readonly spoolDir: string;
    /** The upload's back-off: doubles from `initialRetryMs` up to `maxRetryIntervalMs`; never gives up. */
    readonly retry: { readonly initialRetryMs: number; readonly maxRetryIntervalMs: number };
  };
  /** External calls from other PBXs (api/calls/journal-ingest.service.ts). */
  readonly ingest: {
    /** The largest recording an external call may upload (413 beyond); spooled under `uploads.dir`. */
    readonly recordingMaxBytes: number;
  };
  readonly uploads: {
    /** Where multipart files are spooled while a request runs; deleted when it ends. */
    readonly dir: string;
    /** Hard cap for any one uploaded file (each resource has its own, lower, limit). */
    readonly maxBytes: number;
  };
  readonly audio: {
    readonly maxUploadBytes: number;
    readonly maxDurationSeconds: number;
    readonly normalize: boolean;
    readonly loudnessTargetLufs: number;
    /** Worker threads that convert uploads; default: cores − 1 (at least 1, at most 4). */
    readonly workers: number;
    /** MP3 downloads: encoder threads, and encodings that may wait for one before a 503. */
    readonly mp3: { readonly workers: number; readonly maxQueue: number };
  };
  readonly contacts: {
    readonly maxUploadBytes: number;
    /** Worker threads that parse phone numbers; default: available cores. */
    readonly importWorkers: number;
    /** How many invalid lines the import report quotes (all are downloadable). */
    readonly reportInvalidLimit: number;
  };
  /** Owners' communication policies where the owner (or an administrator) set none. */
  readonly policies: {
    /** At most maxCalls calls to one number per window across an owner's campaigns; null = no cap. */
    readonly frequencyCap: { readonly maxCalls: number; readonly windowSeconds: number } | null;
    /** Simultaneous calls per owner across campaigns; null = no limit. */
    readonly maxConcurrentCalls: number | null;
    /** Webhooks per owner. */
    readonly maxWebhooks: number;
    /** Uploads in flight at once per owner, per API process. */
    readonly maxUploadsInFlight: number;
    /** E.164 prefixes never dialled (DIAL_DENIED_PREFIXES); empty = none. */
    readonly deniedPrefixes: readonly string[];
  };
  readonly stack: { readonly dataDir: string; readonly temporalUiPort: number; readonly minioConsolePort: number };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !ArrayBuffer.isView(child)) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/**
 * Parses an environment into a frozen config: used by `loadConfig` and by unit tests. Pure
 * but for `<NAME>_FILE` variables, read through `readFile`.
 */
export function parseConfig(
  source: Record<string, string | undefined>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Config {
  // An empty variable means "not set", as in most twelve-factor tooling.
  const { values: cleaned, issues: fileIssues } = readSecretFiles(
    Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')),
    readFile,
  );
  const result = schema.safeParse(cleaned);
  const issues = [
    ...fileIssues,
    ...(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)),
    ...crossFieldIssues(cleaned),
  ];
  if (!result.success || issues.length > 0) throw new ConfigError(issues);
  const env = result.data;
  const publicUrl = env.PUBLIC_URL.replace(/\/+$/, '');
  const minioUrl = new URL(env.MINIO_ENDPOINT);
  const useSSL = minioUrl.protocol === 'https:';
  return deepFreeze({
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    api: {
      host: env.API_HOST,
      port: env.API_PORT,
      publicUrl,
      trustProxy: env.TRUST_PROXY,
      metricsToken: env.METRICS_TOKEN,
      grpc: {
        host: env.GRPC_HOST,
        port: env.GRPC_PORT,
        tls:
          env.GRPC_TLS_CERT && env.GRPC_TLS_KEY
            ? { certFile: env.GRPC_TLS_CERT, keyFile: env.GRPC_TLS_KEY }
            : undefined,
      },
      shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
      campaignReconcileSeconds: env.CAMPAIGN_RECONCILE_SECONDS,
      campaignCopyInlineMax: env.CAMPAIGN_COPY_INLINE_MAX_CONTACTS,
      campaignCopyBatch: env.CAMPAIGN_COPY_BATCH,
      campaignCallRetry: {
        initialIntervalMs: Math.round(env.CAMPAIGN_CALL_RETRY_INITIAL_SECONDS * 1000),
        maximumIntervalMs: Math.round(env.CAMPAIGN_CALL_RETRY_MAX_INTERVAL_SECONDS * 1000),
      },
      campaignInfraRetrySeconds: env.CAMPAIGN_INFRA_RETRY_SECONDS,
      auditRetentionDays: env.AUDIT_RETENTION_DAYS,
      events: {
        maxConnections: env.EVENTS_MAX_CONNECTIONS,
        maxConnectionsPerOwner: env.EVENTS_MAX_CONNECTIONS_PER_OWNER,
        heartbeatMs: env.EVENTS_HEARTBEAT_MS,
        pollMs: env.EVENTS_POLL_MS,
      },
    },
    auth: {
      issuer: `${publicUrl}/oauth`,
      audience: env.API_AUDIENCE ?? `${publicUrl}/api`,
      corsOrigins: env.CORS_ALLOWED_ORIGINS.split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      maxFailuresPerUsername: env.LOGIN_MAX_FAILURES_PER_USERNAME,
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      failureWindowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
      admin:
        env.ADMIN_USERNAME && env.ADMIN_PASSWORD
          ? { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD }
          : undefined,
    },
    database: {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000,
      idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS * 1000,
      migrateOnStart: env.MIGRATE_ON_START,
    },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      ...(env.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: env.WORKFLOW_BUNDLE_PATH } : {}),
    },
    minio: {
      endPoint: minioUrl.hostname,
      port: minioUrl.port ? Number(minioUrl.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: env.MINIO_ACCESS_KEY,
      secretKey: env.MINIO_SECRET_KEY,
      region: env.MINIO_REGION,
      buckets: { audio: env.MINIO_BUCKET_AUDIO, recordings: env.MINIO_BUCKET_RECORDINGS },
    },
    encryptionKeys: env.ENCRYPTION_KEYS,
    telephony: {
      bindAddress: env.SIP_BIND_ADDRESS,
      publicAddress: env.SIP_PUBLIC_ADDRESS,
      sipUdpPorts:
        env.SIP_PORT_MIN !== undefined && env.SIP_PORT_MAX !== undefined
          ? { min: env.SIP_PORT_MIN, max: env.SIP_PORT_MAX }
          : undefined,
      rtpPorts: { min: env.RTP_PORT_MIN, max: env.RTP_PORT_MAX },
      pacer: { clock: env.RTP_PACER_CLOCK, phases: env.RTP_PACER_PHASES },
      mediaThreads: env.RTP_MEDIA_THREADS,
      maxCallsPerWorker: env.WORKER_MAX_CALLS,
      fairShare: {
        enabled: env.WORKER_FAIR_SHARE,
        headroom: env.WORKER_FAIR_SHARE_HEADROOM ?? defaultFairShareHeadroom(env.WORKER_MAX_CALLS),
        retryMs: Math.round(env.WORKER_FAIR_SHARE_RETRY_SECONDS * 1000),
      },
      trunkTestTimeoutSeconds: env.TRUNK_TEST_TIMEOUT_SECONDS,
      trunkBreaker: { failures: env.TRUNK_BREAKER_FAILURES, holdSeconds: env.TRUNK_BREAKER_HOLD_SECONDS },
      trunkProbeIntervalMs: Math.round(env.TRUNK_PROBE_INTERVAL_SECONDS * 1000),
      trunkAllowedNetworks: env.TRUNK_ALLOWED_NETWORKS,
      metrics: { host: env.WORKER_METRICS_HOST, port: env.WORKER_METRICS_PORT },
    },
    webhooks: {
      taskQueue: env.WEBHOOK_TASK_QUEUE ?? `${env.TEMPORAL_TASK_QUEUE}-webhooks`,
      maxConcurrentDeliveries: env.WEBHOOK_MAX_CONCURRENT_DELIVERIES,
      allowedNetworks: env.WEBHOOK_ALLOWED_NETWORKS,
      policy: {
        attemptTimeoutMs: Math.round(env.WEBHOOK_TIMEOUT_SECONDS * 1000),
        initialRetryMs: Math.round(env.WEBHOOK_RETRY_INITIAL_SECONDS * 1000),
        maxRetryIntervalMs: Math.round(env.WEBHOOK_RETRY_MAX_INTERVAL_SECONDS * 1000),
        giveUpAfterMs: env.WEBHOOK_GIVE_UP_AFTER_SECONDS * 1000,
      },
    },
    recordings: {
      spoolDir: env.RECORDING_SPOOL_DIR ?? join(env.VOICECAST_DATA_DIR, 'recording-spool'),
      retry: {
        initialRetryMs: Math.round(env.RECORDING_UPLOAD_RETRY_INITIAL_SECONDS * 1000),
        maxRetryIntervalMs: Math.round(env.RECORDING_UPLOAD_RETRY_MAX_INTERVAL_SECONDS * 1000),
      },
    },
    ingest: { recordingMaxBytes: env.INGEST_RECORDING_MAX_BYTES },
    uploads: { dir: env.UPLOAD_DIR ?? join(tmpdir(), 'voicecast-uploads'), maxBytes: env.UPLOAD_MAX_BYTES },
    audio: {
      maxUploadBytes: env.AUDIO_MAX_UPLOAD_BYTES,
      maxDurationSeconds: env.AUDIO_MAX_DURATION_SECONDS,
      normalize: env.AUDIO_NORMALIZE,
      loudnessTargetLufs: env.AUDIO_LOUDNESS_TARGET_LUFS,
      workers: env.AUDIO_WORKERS ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
      mp3: { workers: env.MP3_WORKERS, maxQueue: env.MP3_MAX_QUEUE },
    },
    contacts: {
      maxUploadBytes: env.CONTACTS_MAX_UPLOAD_BYTES,
      importWorkers: env.CONTACTS_IMPORT_WORKERS ?? availableParallelism(),
      reportInvalidLimit: env.CONTACTS_REPORT_INVALID_LIMIT,
    },
    policies: {
      frequencyCap:
        env.FREQUENCY_CAP_MAX_CALLS > 0
          ? { maxCalls: env.FREQUENCY_CAP_MAX_CALLS, windowSeconds: env.FREQUENCY_CAP_WINDOW_SECONDS }
          : null,
      maxConcurrentCalls: env.TENANT_MAX_CONCURRENT_CALLS > 0 ? env.TENANT_MAX_CONCURRENT_CALLS : null,
      maxWebhooks: env.WEBHOOKS_MAX_PER_OWNER,
      maxUploadsInFlight: env.UPLOADS_MAX_IN_FLIGHT_PER_OWNER,
      deniedPrefixes: env.DIAL_DENIED_PREFIXES,
    },
    stack: {
      dataDir: env.VOICECAST_DATA_DIR,
      temporalUiPort: env.TEMPORAL_UI_PORT,
      minioConsolePort: env.MINIO_CONSOLE_PORT,
    },
  });
}

let cached: Config | undefined;

/** Loads `.env` (unless disabled) and the process environment once; later calls return the same object. */
export function loadConfig(): Config {
  if (cached) return cached;
  const envFile = process.env.VOICECAST_ENV_FILE ?? '.env';
  if (envFile !== 'none' && existsSync(envFile)) process.loadEnvFile(envFile);
  cached = parseConfig(process.env);
  return cached;
}
