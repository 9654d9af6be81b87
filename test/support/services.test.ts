/**
 * The service starters against real processes: PostgreSQL from the npm binaries (role,
 * password, persistence), the managed-process stop/readiness contract, and the shared
 * test stack that global-setup started.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, httpProbe, readStack, startPostgres, startProcess, tcpProbe } from './stack';

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'voicecast-pg-test-'));
    chmodSync(dir, 0o755); // traversable for the postgres OS user when we are root
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the role and database, keeps data across restarts and follows a password change', async () => {
    const options = {
      dataDir: join(dir, 'pg'),
      port: await freePort(),
      user: 'app user', // needs quoting in SQL
      password: "it's-a-secret",
      database: 'app-db',
      persistent: true,
      logFile: join(dir, 'pg.log'),
    };
    const first = await startPostgres(options);
    try {
      expect(first.url).toBe(`postgres://app%20user:it's-a-secret@127.0.0.1:${options.port}/app-db`);
      const [who] = await query(first.url, 'SELECT current_user, current_database(), version()');
      expect(who).toMatchObject({ current_user: 'app user', current_database: 'app-db' });
      expect(String(who?.version)).toMatch(/^PostgreSQL 18\./);
      const [role] = await query(
        first.url,
        'SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user',
      );
      expect(role).toEqual({ rolsuper: false, rolcreatedb: true, rolcreaterole: false });
      await query(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
      await expect(query(first.url.replace('secret', 'wrong'), 'SELECT 1')).rejects.toThrow(
        /password authentication failed/,
      );
    } finally {
      await first.stop();
    }
    expect(first.process.exit).toEqual({ code: 0, signal: null });
    await expect(tcpProbe('127.0.0.1', options.port)()).resolves.toMatchObject({ ok: false });

    // createRole (the private test stack's, for deploy/postgres/app-role.sql) follows too.
    const second = await startPostgres({ ...options, password: 'changed-password', createRole: true });
    try {
      expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
      expect(
        await query(second.url, 'SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user'),
      ).toEqual([{ rolsuper: false, rolcreaterole: true }]);
      await expect(query(first.url, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    } finally {
      await second.stop();
    }
  });

  it('refuses a directory that holds something else', async () => {
    const dataDir = join(dir, 'not-pg');
    spawnSync('mkdir', ['-p', join(dataDir, 'stuff')]);
    await expect(
      startPostgres({
        dataDir,
        port: await freePort(),
        user: 'u',
        password: 'p',
        database: 'd',
        persistent: false,
        logFile: join(dir, 'pg.log'),
      }),
    ).rejects.toThrow(/is not empty and is not a PostgreSQL data directory/);
  });
});

describe('startProcess', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'voicecast-proc-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('escalates to SIGKILL when the process ignores the stop signal', async () => {
    const proc = await startProcess({
      name: 'stubborn',
      command: process.execPath,
      args: [
        '-e',
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('armed'); setInterval(() => {}, 1000)",
      ],
      log: { file: join(dir, 'stubborn.log') },
      stopGraceMs: 500,
    });
    const armed = () => Promise.resolve({ ok: proc.logTail().includes('armed'), detail: 'handler installed' });
    await proc.waitUntilReady(armed, { timeoutMs: 10_000, intervalMs: 20 });
    const started = Date.now();
    await expect(proc.stop()).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(proc.logTail()).toContain('ignoring SIGTERM');
  });

  it('rejects the readiness wait with the log tail when the process exits first', async () => {
    const proc = await startProcess({
      name: 'quitter',
      command: process.execPath,
      args: ['-e', "console.error('cannot bind: boom'); process.exit(3)"],
      log: { file: join(dir, 'quitter.log') },
    });
    await expect(proc.waitUntilReady(tcpProbe('127.0.0.1', 1), { timeoutMs: 10_000 })).rejects.toThrow(
      /quitter exited with code 3 before it was ready\.[\s\S]*cannot bind: boom/,
    );
  });

  it('prefixes terminal output line by line', async () => {
    const chunks: string[] = [];
    const stream = { write: (chunk: string) => chunks.push(chunk) } as unknown as NodeJS.WritableStream;
    const proc = await startProcess({
      name: 'talker',
      command: process.execPath,
      args: ['-e', "console.log('one\\ntwo'); console.error('three')"],
      log: { terminal: { stream, prefix: '[talker] ' } },
    });
    await proc.exited;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chunks.sort()).toEqual(['[talker] one\n', '[talker] three\n', '[talker] two\n']);
  });

  it('reports a binary that does not exist', async () => {
    await expect(
      startProcess({ name: 'ghost', command: join(dir, 'no-such-binary'), log: { file: join(dir, 'g.log') } }),
    ).rejects.toThrow(/cannot start ghost .*ENOENT/);
  });
});

describe('the shared test stack', () => {
  it('serves every service it advertises', async () => {
    const stack = readStack();
    expect(stack.env.VOICECAST_ENV_FILE).toBe('none');
    await expect(httpProbe(`${stack.apiUrl}/healthz`)()).resolves.toMatchObject({ ok: true });
    await expect(httpProbe(`${stack.apiUrl}/readyz`)()).resolves.toMatchObject({ ok: true });
    await expect(httpProbe(`${stack.minio.endpoint}/minio/health/live`)()).resolves.toMatchObject({ ok: true });
    const attributes = (await (
      await fetch(`${stack.temporal.httpUrl}/api/v1/namespaces/${stack.temporal.namespace}/search-attributes`)
    ).json()) as { customAttributes: Record<string, string> };
    expect(attributes.customAttributes).toMatchObject({
      CampaignId: 'INDEXED_VALUE_TYPE_KEYWORD',
      OwnerId: 'INDEXED_VALUE_TYPE_KEYWORD',
      CampaignStatus: 'INDEXED_VALUE_TYPE_KEYWORD',
    });
    expect(await query(stack.databaseUrl, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    for (const pid of Object.values(stack.pids)) expect(() => process.kill(pid, 0)).not.toThrow();
  });
});
