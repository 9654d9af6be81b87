import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('applies documented defaults and derives issuer, audience and MinIO parts', () => {
    const config = parseConfig({});
    expect(config.api).toMatchObject({ host: '127.0.0.1', port: 3000, publicUrl: 'http://localhost:3000' });
    expect(config.auth).toMatchObject({
      issuer: 'http://localhost:3000/oauth',
      audience: 'http://localhost:3000/api',
      accessTokenTtlSeconds: 300,
      admin: undefined,
    });
    expect(config.minio).toMatchObject({ endPoint: '127.0.0.1', port: 9000, useSSL: false });
    expect(config.temporal.taskQueue).toBe('dialer');
  });

  it('reads the database pool timeouts: 10 s to get a connection, 60 s per statement and idle transaction', () => {
    expect(parseConfig({}).database).toMatchObject({
      poolMax: 10,
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 60_000,
      idleInTransactionTimeoutMs: 60_000,
    });
    const set = parseConfig({
      DATABASE_CONNECT_TIMEOUT_SECONDS: '3',
      DATABASE_STATEMENT_TIMEOUT_SECONDS: '0',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: '5',
    }).database;
    expect(set).toMatchObject({ connectTimeoutMs: 3000, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 5000 });
    expect(() =>
      parseConfig({ DATABASE_CONNECT_TIMEOUT_SECONDS: '0', DATABASE_STATEMENT_TIMEOUT_SECONDS: '-1' }),
    ).toThrow(/DATABASE_CONNECT_TIMEOUT_SECONDS[\s\S]*DATABASE_STATEMENT_TIMEOUT_SECONDS/);
  });

  it('is deeply frozen', () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.minio.buckets)).toBe(true);
  });

  it('strips a trailing slash from PUBLIC_URL and honours API_AUDIENCE', () => {
    const config = parseConfig({ PUBLIC_URL: 'https://calls.example.com/', API_AUDIENCE: 'urn:voicecast:api' });
    expect(config.auth.issuer).toBe('https://calls.example.com/oauth');
    expect(config.auth.audience).toBe('urn:voicecast:api');
  });

  it('reads DIAL_DENIED_PREFIXES as E.164 prefixes, naming a bad one', () => {
    expect(parseConfig({}).policies.deniedPrefixes).toEqual([]);
    expect(parseConfig({ DIAL_DENIED_PREFIXES: ' +1900, +44 909,,+882 ' }).policies.deniedPrefixes).toEqual([
      '+1900',
      '+44909',
      '+882',
    ]);
    expect(() => parseConfig({ DIAL_DENIED_PREFIXES: '+1900,1900' })).toThrow(
      /DIAL_DENIED_PREFIXES: "1900" is not an E.164 prefix/,
    );
    expect(() => parseConfig({ DIAL_DENIED_PREFIXES: '+19x' })).toThrow(/DIAL_DENIED_PREFIXES/);
  });

  it('takes an optional METRICS_TOKEN of at least 16 bearer-token characters', () => {
    expect(parseConfig({}).api.metricsToken).toBeUndefined();
    expect(parseConfig({ METRICS_TOKEN: 'a'.repeat(16) }).api.metricsToken).toBe('a'.repeat(16));
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16/);
    expect(() => parseConfig({ METRICS_TOKEN: 'sixteen chars with spaces' })).toThrow(
      /METRICS_TOKEN: must be a bearer/,
    );
  });

  it('lists every bad variable in one error', () => {
    let error: unknown;
    try {
      parseConfig({ API_PORT: '70000', DATABASE_URL: 'mysql://x', ADMIN_USERNAME: 'root', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.join('\n');
    for (const name of ['API_PORT', 'DATABASE_URL', 'ADMIN_PASSWORD', 'LOG_LEVEL']) expect(issues).toContain(name);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '' }).auth.admin).toBeUndefined();
  });

  it('refuses development secrets in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/MINIO_SECRET_KEY: must be set explicitly/);
    expect(() =>
      parseConfig({
        NODE_ENV: 'production',
        MINIO_SECRET_KEY: 'a-real-secret',
        DATABASE_URL: 'postgres://vc:pw-0123456789abcdef@db:5432/vc',
        ENCRYPTION_KEYS: `prod1:${Buffer.alloc(32, 7).toString('base64')}`,
      }),
    ).not.toThrow();
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/ENCRYPTION_KEYS: must be set explicitly/);
  });

  describe('deployment defaults (F30)', () => {
    const prodKey = `prod1:${Buffer.alloc(32, 7).toString('base64')}`;
    const devKey = 'dev1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=';
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://calls.example.com',
      DATABASE_URL: 'postgres://voicecast:Zq7-long-random-secret@db:5432/voicecast',
      MINIO_SECRET_KEY: 'Mn8-long-random-secret',
      ENCRYPTION_KEYS: prodKey,
    };
    const issues = (env: Record<string, string | undefined>): string[] => {
      try {
        parseConfig(env);
        return [];
      } catch (err) {
        if (err instanceof ConfigError) return err.issues;
        throw err;
      }
    };

    it('accepts a production configuration with real secrets and an https PUBLIC_URL', () => {
      expect(issues(production)).toEqual([]);
    });

    it('refuses the development secrets whenever the API listens beyond loopback, whatever NODE_ENV says', () => {
      for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
        expect(issues({ API_HOST: host })).toEqual([
          `MINIO_SECRET_KEY: must be set explicitly when the API listens beyond loopback (API_HOST=${host})`,
          `DATABASE_URL: must be set explicitly when the API listens beyond loopback (API_HOST=${host})`,
          `ENCRYPTION_KEYS: must be set explicitly when the API listens beyond loopback (API_HOST=${host})`,
        ]);
        // The values .env.example writes out count as the defaults they are.
        expect(issues({ API_HOST: host, MINIO_SECRET_KEY: 'voicecast-dev-secret' })).toContainEqual(
          expect.stringMatching(/^MINIO_SECRET_KEY: must be set explicitly/),
        );
      }
      for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(issues({ API_HOST: host })).toEqual([]);
    });

    it('refuses the development encryption key in any position of ENCRYPTION_KEYS', () => {
      expect(issues({ ...production, ENCRYPTION_KEYS: `${prodKey}, old:${devKey.split(':')[1]}` })).toEqual([
        'ENCRYPTION_KEYS: holds the development key; remove it in production',
      ]);
      expect(issues({ API_HOST: '0.0.0.0', ...production, NODE_ENV: 'development', ENCRYPTION_KEYS: devKey })).toEqual([
        'ENCRYPTION_KEYS: must be set explicitly when the API listens beyond loopback (API_HOST=0.0.0.0)',
      ]);
      expect(issues({ ENCRYPTION_KEYS: `${prodKey},${devKey}` })).toEqual([]); // development on loopback
    });

    it('refuses weak passwords in production: well-known, the user name, one character repeated, short', () => {
      const db = (password: string, user = 'voicecast') => ({
        ...production,
        DATABASE_URL: `postgres://${user}:${password}@db:5432/voicecast`,
      });
      expect(issues(db('voicecast'))).toEqual([
        'DATABASE_URL: the password is a well-known default; use a long random one in production',
      ]);
      expect(issues(db('VoiceCast'))).toHaveLength(1);
      expect(issues(db('operator-voicecast', 'operator-voicecast'))).toEqual([
        'DATABASE_URL: the password equals the user name; use a long random one in production',
      ]);
      expect(issues(db('short-pw'))).toEqual([
        'DATABASE_URL: the password is shorter than 12 characters; use a long random one in production',
      ]);
      expect(issues({ ...production, MINIO_SECRET_KEY: 'minioadmin' })).toEqual([
        'MINIO_SECRET_KEY: is a well-known default; use a long random one in production',
      ]);
      expect(issues({ ...production, ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'xxxxxxxxxxxxxxxx' })).toEqual([
        'ADMIN_PASSWORD: repeats one character',
      ]);
      // Development keeps accepting them (the local stack's voicecast:voicecast).
      expect(issues({ ...db('voicecast'), NODE_ENV: 'development' })).toEqual([]);
      // A URL without a password (certificate or peer authentication) is the operator's choice.
      expect(
        issues({ ...production, DATABASE_URL: 'postgres://voicecast@db:5432/voicecast?sslmode=verify-full' }),
      ).toEqual([]);
    });

    it('refuses an http:// PUBLIC_URL in production unless its host is loopback', () => {
      expect(issues({ ...production, PUBLIC_URL: 'http://calls.example.com' })).toEqual([
        'PUBLIC_URL: must be https:// in production (terminate TLS in a reverse proxy in front of the API and set ' +
          'TRUST_PROXY=true); http:// is accepted for a loopback host only',
      ]);
      expect(issues({ ...production, PUBLIC_URL: 'http://localhost:3000' })).toEqual([]);
      expect(issues({ ...production, PUBLIC_URL: 'http://127.0.0.1:3000' })).toEqual([]);
      expect(issues({ ...production, PUBLIC_URL: undefined })).toEqual([]); // the default, http://localhost:3000
      expect(issues({ PUBLIC_URL: 'http://calls.example.com' })).toEqual([]); // development
    });

    it('reads secrets from <NAME>_FILE, so that they need not stay in the environment', () => {
      const files: Record<string, string> = {
        '/run/secrets/admin': 'Adm1n-long-random-secret\n',
        '/run/secrets/empty': '\n',
      };
      const read = (path: string) => {
        if (path in files) return files[path];
        throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      };
      const config = parseConfig(
        { ...production, ADMIN_USERNAME: 'root', ADMIN_PASSWORD_FILE: '/run/secrets/admin' },
        read,
      );
      expect(config.auth.admin).toEqual({ username: 'root', password: 'Adm1n-long-random-secret' });
      const bad = (env: Record<string, string>) => {
        try {
          parseConfig({ ...production, ADMIN_USERNAME: 'root', ...env }, read);
          return [];
        } catch (err) {
          return (err as ConfigError).issues;
        }
      };
      expect(bad({ ADMIN_PASSWORD_FILE: '/run/secrets/missing' })).toEqual([
        'ADMIN_PASSWORD_FILE: cannot read /run/secrets/missing (ENOENT)',
        'ADMIN_PASSWORD: ADMIN_USERNAME and ADMIN_PASSWORD go together',
      ]);
      expect(bad({ ADMIN_PASSWORD_FILE: '/run/secrets/empty' })).toContainEqual(
        'ADMIN_PASSWORD_FILE: /run/secrets/empty is empty',
      );
      expect(bad({ ADMIN_PASSWORD_FILE: '/run/secrets/admin', ADMIN_PASSWORD: 'Adm1n-long-random-secret' })).toEqual([
        'ADMIN_PASSWORD_FILE: set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE, not both',
      ]);
      // The same for the other secrets, through the real file system.
      const dir = mkdtempSync(join(tmpdir(), 'voicecast-config-'));
      try {
        writeFileSync(join(dir, 'keys'), `${prodKey}\n`);
        const keys = parseConfig({
          ...production,
          ENCRYPTION_KEYS: undefined,
          ENCRYPTION_KEYS_FILE: join(dir, 'keys'),
        });
        expect(keys.encryptionKeys.map((k) => k.id)).toEqual(['prod1']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('parses encryption keys for rotation: the first encrypts, duplicates and wrong sizes are refused', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const keys = parseConfig({ ENCRYPTION_KEYS: `new:${k2}, old:${k1}` }).encryptionKeys;
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(keys[0]?.key.equals(Buffer.alloc(32, 2))).toBe(true);
    expect(parseConfig({}).encryptionKeys[0]?.key).toHaveLength(32);
    for (const bad of [`a:${k1},a:${k2}`, `a:${Buffer.alloc(16).toString('base64')}`, 'no-colon', ',']) {
      expect(() => parseConfig({ ENCRYPTION_KEYS: bad })).toThrow(/ENCRYPTION_KEYS/);
    }
  });

  it('reads the policy defaults: no frequency cap, 100 calls, 20 webhooks and 4 uploads per tenant, 0 meaning no limit', () => {
    expect(parseConfig({}).policies).toEqual({
      frequencyCap: null,
      maxConcurrentCalls: 100,
      maxWebhooks: 20,
      maxUploadsInFlight: 4,
      deniedPrefixes: [],
    });
    expect(parseConfig({ TENANT_MAX_CONCURRENT_CALLS: '0', WEBHOOKS_MAX_PER_OWNER: '3' }).policies).toMatchObject({
      maxConcurrentCalls: null,
      maxWebhooks: 3,
    });
    expect(() => parseConfig({ WEBHOOKS_MAX_PER_OWNER: '0' })).toThrow(/WEBHOOKS_MAX_PER_OWNER/);
    expect(parseConfig({ UPLOADS_MAX_IN_FLIGHT_PER_OWNER: '9' }).policies.maxUploadsInFlight).toBe(9);
    for (const bad of ['0', '101', '1.5']) {
      expect(() => parseConfig({ UPLOADS_MAX_IN_FLIGHT_PER_OWNER: bad })).toThrow(/UPLOADS_MAX_IN_FLIGHT_PER_OWNER/);
    }
    const set = parseConfig({
      FREQUENCY_CAP_MAX_CALLS: '2',
      FREQUENCY_CAP_WINDOW_SECONDS: '3600',
      TENANT_MAX_CONCURRENT_CALLS: '40',
    });
    expect(set.policies).toEqual({
      frequencyCap: { maxCalls: 2, windowSeconds: 3600 },
      maxConcurrentCalls: 40,
      maxWebhooks: 20,
      maxUploadsInFlight: 4,
      deniedPrefixes: [],
    });
    expect(parseConfig({ FREQUENCY_CAP_MAX_CALLS: '3' }).policies.frequencyCap).toEqual({
      maxCalls: 3,
      windowSeconds: 86400,
    });
    expect(() =>
      parseConfig({
        FREQUENCY_CAP_MAX_CALLS: '-1',
        FREQUENCY_CAP_WINDOW_SECONDS: '0',
        TENANT_MAX_CONCURRENT_CALLS: 'x',
      }),
    ).toThrow(/FREQUENCY_CAP_MAX_CALLS[\s\S]*FREQUENCY_CAP_WINDOW_SECONDS[\s\S]*TENANT_MAX_CONCURRENT_CALLS/);
  });

  it('checks the RTP port range', () => {
    expect(parseConfig({}).telephony.rtpPorts).toEqual({ min: 20000, max: 21999 });
    expect(() => parseConfig({ RTP_PORT_MIN: '30000', RTP_PORT_MAX: '20000' })).toThrow(/RTP_PORT_MAX/);
  });

  it('reads the RTP pacer settings: the clock thread and 4 phases unless set', () => {
    expect(parseConfig({}).telephony.pacer).toEqual({ clock: 'thread', phases: 4 });
    expect(parseConfig({ RTP_PACER_PHASES: '1', RTP_PACER_CLOCK: 'timers' }).telephony.pacer).toEqual({
      clock: 'timers',
      phases: 1,
    });
    expect(() => parseConfig({ RTP_PACER_PHASES: '0' })).toThrow(/RTP_PACER_PHASES/);
    expect(() => parseConfig({ RTP_PACER_PHASES: '2.5' })).toThrow(/RTP_PACER_PHASES/);
    expect(() => parseConfig({ RTP_PACER_CLOCK: 'spin' })).toThrow(/RTP_PACER_CLOCK/);
  });

  it('reads the RTP media threads: one per CPU (at most 4) unless set, 0 for none', () => {
    expect(parseConfig({}).telephony.mediaThreads).toBe(Math.min(4, availableParallelism()));
    expect(parseConfig({ RTP_MEDIA_THREADS: '' }).telephony.mediaThreads).toBe(Math.min(4, availableParallelism()));
    expect(parseConfig({ RTP_MEDIA_THREADS: '0' }).telephony.mediaThreads).toBe(0);
    expect(parseConfig({ RTP_MEDIA_THREADS: '8' }).telephony.mediaThreads).toBe(8);
    expect(() => parseConfig({ RTP_MEDIA_THREADS: '-1' })).toThrow(/RTP_MEDIA_THREADS/);
    expect(() => parseConfig({ RTP_MEDIA_THREADS: 'two' })).toThrow(/RTP_MEDIA_THREADS/);
  });

  it('shares worker call slots fairly by default: 1 % headroom (at least one), a 3 s retry (F13)', () => {
    expect(parseConfig({}).telephony.fairShare).toEqual({ enabled: true, headroom: 10, retryMs: 3000 });
    expect(parseConfig({ WORKER_MAX_CALLS: '10' }).telephony.fairShare.headroom).toBe(1);
    expect(parseConfig({ WORKER_MAX_CALLS: '1' }).telephony.fairShare.headroom).toBe(0);
    expect(
      parseConfig({
        WORKER_FAIR_SHARE: 'false',
        WORKER_FAIR_SHARE_HEADROOM: '0',
        WORKER_FAIR_SHARE_RETRY_SECONDS: '0.5',
      }).telephony.fairShare,
    ).toEqual({ enabled: false, headroom: 0, retryMs: 500 });
    expect(() => parseConfig({ WORKER_MAX_CALLS: '10', WORKER_FAIR_SHARE_HEADROOM: '10' })).toThrow(
      /WORKER_FAIR_SHARE_HEADROOM: must be less than WORKER_MAX_CALLS/,
    );
    expect(() => parseConfig({ WORKER_FAIR_SHARE_RETRY_SECONDS: '0' })).toThrow(/WORKER_FAIR_SHARE_RETRY_SECONDS/);
  });

  it('serves worker metrics on 127.0.0.1:9464 unless told otherwise', () => {
    expect(parseConfig({}).telephony.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseConfig({ WORKER_METRICS_PORT: 'off' }).telephony.metrics.port).toBeUndefined();
    expect(parseConfig({ WORKER_METRICS_PORT: '0', WORKER_METRICS_HOST: '::1' }).telephony.metrics).toEqual({
      host: '::1',
      port: 0,
    });
    for (const bad of ['65536', '-1', '9464x', ' 9464']) {
      expect(() => parseConfig({ WORKER_METRICS_PORT: bad })).toThrow(/WORKER_METRICS_PORT: must be a port/);
    }
    expect(() => parseConfig({ WORKER_METRICS_HOST: 'metrics.example' })).toThrow(/WORKER_METRICS_HOST/);
  });

  it('serves the journal over gRPC on 127.0.0.1:50051, TLS with both PEM files', () => {
    expect(parseConfig({}).api.grpc).toEqual({ host: '127.0.0.1', port: 50051, tls: undefined });
    expect(parseConfig({ GRPC_PORT: 'off' }).api.grpc.port).toBeUndefined();
    expect(parseConfig({ GRPC_TLS_CERT: '/c.pem', GRPC_TLS_KEY: '/k.pem' }).api.grpc.tls).toEqual({
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    for (const bad of ['0', '65536', 'x']) {
      expect(() => parseConfig({ GRPC_PORT: bad })).toThrow(/GRPC_PORT: must be a port/);
    }
    expect(() => parseConfig({ GRPC_TLS_CERT: '/c.pem' })).toThrow(/GRPC_TLS_CERT and GRPC_TLS_KEY go together/);
    expect(parseConfig({}).ingest.recordingMaxBytes).toBe(200 * 1024 * 1024);
  });

  it('takes an optional SIP port range, both ends or neither', () => {
    expect(parseConfig({}).telephony.sipUdpPorts).toBeUndefined();
    expect(parseConfig({ SIP_PORT_MIN: '', SIP_PORT_MAX: '' }).telephony.sipUdpPorts).toBeUndefined();
    expect(parseConfig({ SIP_PORT_MIN: '5070', SIP_PORT_MAX: '5070' }).telephony.sipUdpPorts).toEqual({
      min: 5070,
      max: 5070,
    });
    expect(() => parseConfig({ SIP_PORT_MIN: '5070' })).toThrow(
      /SIP_PORT_MAX: SIP_PORT_MIN and SIP_PORT_MAX go together/,
    );
    expect(() => parseConfig({ SIP_PORT_MIN: '5080', SIP_PORT_MAX: '5070' })).toThrow(/SIP_PORT_MAX: must not be less/);
  });

  it('derives the webhook queue from the dialer queue and converts the webhook durations to ms', () => {
    expect(parseConfig({ TEMPORAL_TASK_QUEUE: 'q1' }).webhooks).toEqual({
      taskQueue: 'q1-webhooks',
      maxConcurrentDeliveries: 50,
      allowedNetworks: [],
      policy: {
        attemptTimeoutMs: 10_000,
        initialRetryMs: 10_000,
        maxRetryIntervalMs: 3_600_000,
        giveUpAfterMs: 86_400_000,
      },
    });
    const custom = parseConfig({ WEBHOOK_TASK_QUEUE: 'hooks', WEBHOOK_RETRY_INITIAL_SECONDS: '0.5' }).webhooks;
    expect([custom.taskQueue, custom.policy.initialRetryMs]).toEqual(['hooks', 500]);
    expect(() => parseConfig({ WEBHOOK_TIMEOUT_SECONDS: '0' })).toThrow(/WEBHOOK_TIMEOUT_SECONDS/);
  });

  it('reads TRUNK_ALLOWED_NETWORKS as a list of networks (empty by default) and names a bad entry', () => {
    expect(parseConfig({}).telephony.trunkAllowedNetworks).toEqual([]);
    expect(parseConfig({ TRUNK_ALLOWED_NETWORKS: '10.0.5.0/24, 127.0.0.0/8' }).telephony.trunkAllowedNetworks).toEqual([
      '10.0.5.0/24',
      '127.0.0.0/8',
    ]);
    expect(() => parseConfig({ TRUNK_ALLOWED_NETWORKS: 'sbc.internal' })).toThrow(
      /TRUNK_ALLOWED_NETWORKS.*"sbc.internal" is not an IP network/s,
    );
  });

  it('reads WEBHOOK_ALLOWED_NETWORKS as a list of networks and names a bad entry', () => {
    expect(parseConfig({ WEBHOOK_ALLOWED_NETWORKS: '10.20.0.0/16, fd00::/8' }).webhooks.allowedNetworks).toEqual([
      '10.20.0.0/16',
      'fd00::/8',
    ]);
    expect(() => parseConfig({ WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/8,intranet' })).toThrow(
      /WEBHOOK_ALLOWED_NETWORKS.*"intranet" is not an IP network/s,
    );
  });

  it('spools recordings under the data directory unless RECORDING_SPOOL_DIR says where, with a back-off in ms', () => {
    expect(parseConfig({ VOICECAST_DATA_DIR: '/srv/vc' }).recordings).toEqual({
      spoolDir: '/srv/vc/recording-spool',
      retry: { initialRetryMs: 5000, maxRetryIntervalMs: 300_000 },
    });
    const custom = parseConfig({
      RECORDING_SPOOL_DIR: '/var/spool/vc',
      RECORDING_UPLOAD_RETRY_INITIAL_SECONDS: '0.2',
      RECORDING_UPLOAD_RETRY_MAX_INTERVAL_SECONDS: '1',
    }).recordings;
    expect(custom).toEqual({ spoolDir: '/var/spool/vc', retry: { initialRetryMs: 200, maxRetryIntervalMs: 1000 } });
    expect(() => parseConfig({ RECORDING_UPLOAD_RETRY_INITIAL_SECONDS: '0' })).toThrow(
      /RECORDING_UPLOAD_RETRY_INITIAL_SECONDS/,
    );
  });

  it("reads the campaign call activity's back-off in ms: 2 s doubling to 15 s unless set", () => {
    expect(parseConfig({}).api.campaignCallRetry).toEqual({ initialIntervalMs: 2000, maximumIntervalMs: 15_000 });
    expect(
      parseConfig({ CAMPAIGN_CALL_RETRY_INITIAL_SECONDS: '0.5', CAMPAIGN_CALL_RETRY_MAX_INTERVAL_SECONDS: '2' }).api
        .campaignCallRetry,
    ).toEqual({ initialIntervalMs: 500, maximumIntervalMs: 2000 });
    expect(() => parseConfig({ CAMPAIGN_CALL_RETRY_INITIAL_SECONDS: '0' })).toThrow(
      /CAMPAIGN_CALL_RETRY_INITIAL_SECONDS/,
    );
    expect(parseConfig({}).api.campaignInfraRetrySeconds).toBe(30);
    expect(parseConfig({ CAMPAIGN_INFRA_RETRY_SECONDS: '5' }).api.campaignInfraRetrySeconds).toBe(5);
  });

  it('takes an optional WORKFLOW_BUNDLE_PATH: absent, the worker bundles the workflows itself', () => {
    expect(parseConfig({}).temporal.workflowBundlePath).toBeUndefined();
    expect(parseConfig({ WORKFLOW_BUNDLE_PATH: '/srv/bundle.js' }).temporal.workflowBundlePath).toBe('/srv/bundle.js');
  });
});
