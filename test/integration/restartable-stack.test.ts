/**
 * The restartable private stack the fault tests and `make bench-faults` stand on: a stack of
 * its own (not the shared test stack) whose PostgreSQL, Temporal and MinIO are stopped and
 * started again, each on the same port and with the data written before, and whose worker
 * is killed (SIGKILL) and drained (SIGTERM) and started again, while the supervisor reports
 * none of it and leaves the API and the worker alone.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import * as Minio from 'minio';
import { Client as PgClient } from 'pg';
import {
  httpProbe,
  sleep,
  stackControl,
  startPrivateStack,
  Supervisor,
  taskQueuePollerProbe,
  tcpProbe,
  type PrivateStack,
  type Probe,
  type StackControl,
} from '../support/stack';

async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []) {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Polls `probe` until it holds; the last detail in the failure. */
async function eventually(probe: Probe, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result.ok) return;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${result.detail}`);
    await sleep(200);
  }
}

const port = (url: string): number => Number(new URL(url).port);

async function adminAccessToken(stack: PrivateStack): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'voicecast', ...stack.admin }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('a restartable private stack', () => {
  let dir: string;
  let supervisor: Supervisor;
  let stack: PrivateStack;
  let ctl: StackControl;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voicecast-restartable-'));
    chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
    supervisor = new Supervisor();
    stack = await startPrivateStack(dir, supervisor, { worker: true, restartable: true });
    ctl = stackControl(stack);
  }, 120_000);

  afterAll(async () => {
    await supervisor?.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  afterEach(() => {
    // Every stop in these tests was asked for, and no app died of an outage.
    expect(ctl.crashed()).toEqual([]);
  });

  it('keeps PostgreSQL rows across a graceful stop and a crash (SIGQUIT), on the same port', async () => {
    await query(stack.databaseUrl, 'CREATE TABLE fault_probe (v text)');
    await query(stack.databaseUrl, "INSERT INTO fault_probe VALUES ('before the stop')");
    const before = ctl.pid('postgres');
    const token = await adminAccessToken(stack);

    expect(await ctl.stop('postgres')).toEqual({ code: 0, signal: null });
    // A valid token that cannot be checked while the database is away: 503, not 401 (a
    // client would throw its token away and log in again, which fails too).
    const me = await fetch(`${stack.apiUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(503);
    expect(me.headers.get('content-type')).toContain('application/problem+json');
    expect(ctl.running('postgres')).toBe(false);
    await expect(tcpProbe('127.0.0.1', port(stack.databaseUrl))()).resolves.toMatchObject({ ok: false });
    await expect(query(stack.databaseUrl, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    expect(ctl.running('api')).toBe(true);
    expect(ctl.running('worker')).toBe(true);

    await ctl.start('postgres');
    expect(ctl.pid('postgres')).not.toBe(before);
    await query(stack.databaseUrl, "INSERT INTO fault_probe VALUES ('before the crash')");
    await ctl.restart('postgres', 'SIGQUIT');
    const rows = await query<{ v: string }>(stack.databaseUrl, 'SELECT v FROM fault_probe ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['before the crash', 'before the stop']);
    // The API got its database back (its pool reconnects).
    await eventually(httpProbe(`${stack.apiUrl}/readyz`), 30_000);
  }, 90_000);

  it('keeps MinIO objects across a stop, on the same port', async () => {
    const endpoint = new URL(stack.minio.endpoint);
    const minio = new Minio.Client({
      endPoint: endpoint.hostname,
      port: Number(endpoint.port),
      useSSL: false,
      accessKey: stack.minio.accessKey,
      secretKey: stack.minio.secretKey,
    });
    await minio.makeBucket('fault-probe');
    await minio.putObject('fault-probe', 'kept.txt', Buffer.from('still here'));

    await ctl.stop('minio');
    await expect(minio.statObject('fault-probe', 'kept.txt')).rejects.toThrow();
    await ctl.start('minio');

    const chunks: Buffer[] = [];
    for await (const chunk of await minio.getObject('fault-probe', 'kept.txt')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('still here');
  }, 60_000);

  it('keeps a running workflow across a Temporal stop, and the worker polls again', async () => {
    const started = async (client: TemporalClient) =>
      // A task queue nobody serves: the workflow stays running, untouched.
      client.workflow.start('noSuchWorkflow', { taskQueue: 'fault-probe', workflowId: 'fault-probe-workflow' });
    let connection = await Connection.connect({ address: stack.temporal.address });
    try {
      const handle = await started(new TemporalClient({ connection, namespace: stack.temporal.namespace }));
      expect((await handle.describe()).status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }

    await ctl.stop('temporal');
    await expect(httpProbe(`${stack.temporal.httpUrl}/api/v1/namespaces/default`)()).resolves.toMatchObject({
      ok: false,
    });
    await sleep(2000); // the worker's polls fail meanwhile
    expect(ctl.running('worker')).toBe(true);
    await ctl.start('temporal');

    connection = await Connection.connect({ address: stack.temporal.address });
    try {
      const client = new TemporalClient({ connection, namespace: stack.temporal.namespace });
      const description = await client.workflow.getHandle('fault-probe-workflow').describe();
      expect(description.status.name).toBe('RUNNING');
      expect(description.type).toBe('noSuchWorkflow');
    } finally {
      await connection.close();
    }
    // The worker that lived through the outage polls the restarted server.
    const { namespace, httpUrl, taskQueue } = stack.temporal;
    await eventually(taskQueuePollerProbe(httpUrl, namespace, taskQueue, ctl.pid('worker')), 60_000);
  }, 120_000);

  it('kills the worker (SIGKILL), drains it (SIGTERM) and starts it again polling', async () => {
    const { namespace, httpUrl, taskQueue } = stack.temporal;
    const first = ctl.pid('worker');
    expect(await ctl.stop('worker', 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await ctl.start('worker');
    const second = ctl.pid('worker');
    expect(second).not.toBe(first);
    // start() waited for a poller of the new process, not the dead one the server still lists.
    await expect(taskQueuePollerProbe(httpUrl, namespace, taskQueue, second)()).resolves.toMatchObject({ ok: true });

    expect(await ctl.stop('worker', 'SIGTERM')).toEqual({ code: 0, signal: null });
    await ctl.start('worker');
    expect(ctl.pid('worker')).not.toBe(second);
    expect(ctl.running('worker')).toBe(true);
  }, 120_000);
});
