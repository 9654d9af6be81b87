import { availableParallelism } from 'node:os';
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
        DATABASE_URL: 'postgres://vc:pw@db:5432/vc',
        ENCRYPTION_KEYS: `prod1:${Buffer.alloc(32, 7).toString('base64')}`,
      }),
    ).not.toThrow();
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/ENCRYPTION_KEYS: must be set explicitly/);
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

  it('reads the policy defaults: no frequency cap, 100 calls and 20 webhooks per tenant, 0 meaning no limit', () => {
    expect(parseConfig({}).policies).toEqual({
      frequencyCap: null,
      maxConcurrentCalls: 100,
      maxWebhooks: 20,
      deniedPrefixes: [],
    });
    expect(parseConfig({ TENANT_MAX_CONCURRENT_CALLS: '0', WEBHOOKS_MAX_PER_OWNER: '3' }).policies).toMatchObject({
      maxConcurrentCalls: null,
      maxWebhooks: 3,
    });
    expect(() => parseConfig({ WEBHOOKS_MAX_PER_OWNER: '0' })).toThrow(/WEBHOOKS_MAX_PER_OWNER/);
    const set = parseConfig({
      FREQUENCY_CAP_MAX_CALLS: '2',
      FREQUENCY_CAP_WINDOW_SECONDS: '3600',
      TENANT_MAX_CONCURRENT_CALLS: '40',
    });
    expect(set.policies).toEqual({
      frequencyCap: { maxCalls: 2, windowSeconds: 3600 },
      maxConcurrentCalls: 40,
      maxWebhooks: 20,
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
});
