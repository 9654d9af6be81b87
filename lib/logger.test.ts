import { Writable } from 'node:stream';
import { createLogger, isSecretKey, logHash, redactSecrets, serializeError } from './logger';

/** A logger at trace writing into an array of parsed lines. */
function capture(): {
  logger: ReturnType<typeof createLogger>;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', name: 'test' }, destination);
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}

/** What pg (through MikroORM) attaches to a unique violation. */
function pgUniqueViolation(): Error {
  const err = new Error('duplicate key value violates unique constraint "user_password_hash_key"') as Error &
    Record<string, unknown>;
  err.name = 'UniqueConstraintViolationException';
  Object.assign(err, {
    code: '23505',
    severity: 'ERROR',
    constraint: 'user_password_hash_key',
    table: 'user',
    detail: 'Key (password_hash)=($argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0) already exists.',
    where: 'SQL statement "INSERT INTO user VALUES ($argon2id$…)"',
    internalQuery: 'INSERT INTO user SELECT $argon2id$…',
    query: 'insert into "user" ("password_hash") values ($1)',
    sql: 'insert into "user" ("password_hash") values ($1)',
    params: ['$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0'],
    parameters: ['sealed:v1:k1:AAAA'],
    bindings: ['hunter2hunter2'],
  });
  return err;
}

describe('serializeError (F28)', () => {
  test('keeps type, message, stack, code and constraint; drops the statement and its values', () => {
    const out = serializeError(pgUniqueViolation()) as Record<string, unknown>;
    expect(out).toMatchObject({
      type: 'Error',
      message: 'duplicate key value violates unique constraint "user_password_hash_key"',
      code: '23505',
      constraint: 'user_password_hash_key',
      table: 'user',
    });
    expect(out.stack).toEqual(expect.stringContaining('pgUniqueViolation'));
    for (const key of ['detail', 'where', 'internalQuery', 'query', 'sql', 'params', 'parameters', 'bindings']) {
      expect(out).not.toHaveProperty(key);
    }
    expect(JSON.stringify(out)).not.toMatch(/argon2|sealed|hunter2/);
  });

  test('walks the cause chain, AggregateError members, and censors secret-named fields', () => {
    const inner = pgUniqueViolation();
    const outer = new Error('could not save the user', { cause: inner }) as Error & Record<string, unknown>;
    outer.password = 'hunter2hunter2';
    outer.context = { headers: { Authorization: 'Bearer abc.def' }, ok: 1 };
    const all = new AggregateError([outer], 'several');
    const out = JSON.stringify(serializeError(all));
    expect(out).toContain('could not save the user');
    expect(out).toContain('duplicate key value');
    expect(out).toContain('"ok":1');
    expect(out).not.toMatch(/argon2|sealed|hunter2|abc\.def|insert into/);
  });

  test('survives cycles and non-errors', () => {
    const err = new Error('loop') as Error & Record<string, unknown>;
    err.self = err;
    expect(serializeError(err)).toMatchObject({ message: 'loop', self: '[Circular]' });
    expect(serializeError('just text')).toBe('just text');
    expect(serializeError({ token: 'x', n: 1 })).toEqual({ token: '[redacted]', n: 1 });
  });
});

describe('redactSecrets (F28)', () => {
  test.each([
    'password',
    'newPassword',
    'password_hash',
    'Authorization',
    'client_secret',
    'clientSecret',
    'secretKey',
    'webhookSecret',
    'access_token',
    'refreshToken',
    'token',
    'cookie',
    'set-cookie',
    'apiKey',
    'api_key',
    'privateKey',
    'credentials',
    'passphrase',
  ])('%s is a secret key', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  test.each(['username', 'usernameHash', 'ip', 'campaignId', 'status', 'keyId', 'callId'])('%s is not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });

  test('censors secret keys at any depth, in arrays too, without touching the caller object', () => {
    const logged = {
      body: { user: { profile: { password: 'p1' } }, list: [{ auth: { token: 't1' } }, { name: 'n' }] },
      trunk: { settings: { sip: { digest: { authPassword: 'p2' } } } },
      authorization: 'Bearer t2',
    };
    const copy = JSON.parse(JSON.stringify(logged)) as unknown;
    const out = redactSecrets(logged);
    expect(out).toEqual({
      body: { user: { profile: { password: '[redacted]' } }, list: [{ auth: { token: '[redacted]' } }, { name: 'n' }] },
      trunk: { settings: { sip: { digest: { authPassword: '[redacted]' } } } },
      authorization: '[redacted]',
    });
    expect(logged).toEqual(copy);
  });
});

describe('createLogger (F28)', () => {
  test('a logged pg error (under err or any key) and deep secrets never reach the line', () => {
    const { logger, lines: read, text } = capture();
    logger.error({ err: pgUniqueViolation() }, 'unhandled error');
    logger.warn({ error: pgUniqueViolation(), nested: { deeper: { deepest: { clientSecret: 'cs-1' } } } }, 'x');
    logger.child({ component: 'c' }).info({ request: { headers: { authorization: 'Bearer zzz' } } }, 'y');
    const lines = read();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ msg: 'unhandled error', err: { code: '23505', type: 'Error' } });
    expect(lines[1]).toMatchObject({
      error: { code: '23505' },
      nested: { deeper: { deepest: { clientSecret: '[redacted]' } } },
    });
    expect(lines[2]).toMatchObject({ component: 'c', request: { headers: { authorization: '[redacted]' } } });
    expect(text()).not.toMatch(/argon2|sealed|hunter2|cs-1|zzz|insert into/);
  });
});

describe('logHash', () => {
  test('is a 16-hex keyed hash, stable per key, different across keys', () => {
    const key = Buffer.alloc(32, 1);
    expect(logHash(key, 'alice')).toMatch(/^[0-9a-f]{16}$/);
    expect(logHash(key, 'alice')).toBe(logHash(key, 'alice'));
    expect(logHash(key, 'alice')).not.toBe(logHash(key, 'bob'));
    expect(logHash(Buffer.alloc(32, 2), 'alice')).not.toBe(logHash(key, 'alice'));
  });
});
