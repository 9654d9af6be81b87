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
      }),
    ).not.toThrow();
  });
});
