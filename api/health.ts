/**
 * /healthz (the process is alive), /readyz (PostgreSQL, Temporal and MinIO each reachable;
 * 503 naming what is down) and /metrics (Prometheus).
 */
import type { Client as TemporalClient } from '@temporalio/client';
import { Router } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from '../db/sql.js';
import type { Storage } from '../lib/storage.js';
import { withTimeout } from '../lib/timeout.js';
import type { DependencyCheck } from './problem.js';
import { sendProblem } from './problem-response.js';

const CHECK_TIMEOUT_MS = 2000;

export interface ReadinessDeps {
  readonly pool: Pool;
  readonly temporal: TemporalClient;
  readonly storage: Storage;
  readonly probeBucket: string;
}

type CheckResult = DependencyCheck;

export async function checkDependencies(deps: ReadinessDeps): Promise<Record<string, CheckResult>> {
  const checks: Record<string, () => Promise<unknown>> = {
    postgres: () => deps.pool.query('SELECT 1'),
    temporal: () => deps.temporal.workflowService.getSystemInfo({}),
    minio: () => deps.storage.bucketExists(deps.probeBucket),
  };
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS, `no answer within ${CHECK_TIMEOUT_MS} ms`);
        return [name, { status: 'up' }];
      } catch (err) {
        return [
          name,
          { status: 'down', error: err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err) },
        ];
      }
    }),
  );
  return Object.fromEntries(entries);
}

export interface HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route' | 'status'>;
  readonly dependencyUp: Gauge<'dependency'>;
}

export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'voicecast_api_' });
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    registry,
    requests: new Counter({
      name: 'voicecast_http_requests_total',
      help: 'HTTP requests',
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'voicecast_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: 'voicecast_dependency_up',
      help: '1 when the dependency answered the last readiness check',
      labelNames: ['dependency'],
      registers: [registry],
    }),
  };
}

export function healthRouter(deps: ReadinessDeps, metrics: HttpMetrics): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/readyz', async (req, res) => {
    const checks = await checkDependencies(deps);
    for (const [name, result] of Object.entries(checks))
      metrics.dependencyUp.set({ dependency: name }, result.status === 'up' ? 1 : 0);
    const down = Object.entries(checks)
      .filter(([, r]) => r.status === 'down')
      .map(([name]) => name);
    if (down.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    sendProblem(req, res, {
      slug: 'not-ready',
      title: 'Not ready',
      status: 503,
      detail: `Unavailable: ${down.join(', ')}.`,
      checks,
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
