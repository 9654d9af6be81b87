/**
 * Real workflows on the real Temporal server: an in-process worker built from the real
 * bundle and activities, the API's system check served by the harness's worker process,
 * and the worker process draining on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createStorage } from '../../lib/storage';
import { checkWorker } from '../../workflows';
import { freePort, repoRoot, startNodeApp, tailFile } from '../../scripts/services';
import { adminToken, call, createUser, expectProblem, login } from '../support/api';
import { readStack } from '../support/stack';
import { activityDeps, createTestWorker, testEnvironment } from '../support/temporal';

describe('checkWorker workflow on the real Temporal server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await testEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs its activity on a real worker that reaches PostgreSQL and MinIO', async () => {
    const { deps, close } = activityDeps();
    const taskQueue = `test-${randomUUID()}`;
    try {
      const worker = await createTestWorker(env, deps, taskQueue);
      const result = await worker.runUntil(
        env.client.workflow.execute(checkWorker, { taskQueue, workflowId: `check-${randomUUID()}` }),
      );
      expect(result).toMatchObject({
        identity: deps.identity,
        taskQueue,
        database: 'ok',
        storage: 'ok',
        pid: process.pid,
      });
    } finally {
      await close();
    }
  });

  it('reports storage unreachable when MinIO is not there (the check can fail)', async () => {
    const deadPort = await freePort();
    const { deps, close } = activityDeps({
      storage: createStorage({
        endPoint: '127.0.0.1',
        port: deadPort,
        useSSL: false,
        accessKey: 'x',
        secretKey: 'xxxxxxxx',
        region: 'us-east-1',
        buckets: { audio: 'a', recordings: 'r' },
      }),
    });
    const taskQueue = `test-${randomUUID()}`;
    try {
      const worker = await createTestWorker(env, deps, taskQueue);
      const result = await worker.runUntil(
        env.client.workflow.execute(checkWorker, { taskQueue, workflowId: `check-${randomUUID()}` }),
      );
      expect(result).toMatchObject({ database: 'ok', storage: 'unreachable' });
    } finally {
      await close();
    }
  });
});

describe('GET /api/v1/system/worker', () => {
  it('runs the check workflow on the dialer queue, served by the worker process', async () => {
    const res = await call('GET', '/api/v1/system/worker', { token: await adminToken() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ taskQueue: 'dialer', database: 'ok', storage: 'ok' });
    expect(body.pid).not.toBe(process.pid);
    expect(String(body.identity)).toMatch(/^voicecast-worker@/);
  });

  it('is for administrators only', async () => {
    const user = await createUser();
    const { access_token } = await login(user.username, user.password);
    await expectProblem(await call('GET', '/api/v1/system/worker', { token: access_token }), 403, 'forbidden');
  });
});

describe('worker process', () => {
  it('starts polling and exits cleanly on SIGTERM', async () => {
    const stack = readStack();
    const logFile = join(stack.tempDir, `worker-sigterm-${randomUUID()}.log`);
    const worker = await startNodeApp({
      name: 'worker-sigterm',
      script: join(repoRoot(), 'dist', 'worker.js'),
      env: {
        ...stack.env,
        LOG_LEVEL: 'info',
        TEMPORAL_TASK_QUEUE: `sigterm-${randomUUID()}`,
        SHUTDOWN_GRACE_SECONDS: '5',
      },
      log: { file: logFile },
      ready: () =>
        Promise.resolve({
          ok: tailFile(logFile, 50).includes('worker started'),
          detail: 'waiting for "worker started"',
        }),
      readyTimeoutMs: 60_000,
      stopGraceMs: 20_000,
    });
    const exit = await worker.process.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tailFile(logFile, 50)).toContain('worker stopped');
  });
});
