/**
 * /healthz (the process is alive), /readyz (PostgreSQL, Temporal and MinIO each reachable;
 * 503 naming what is down) and /metrics (Prometheus).
 *
 * The API listens on every interface in Compose, so these are answered to strangers too
 * (F25): /readyz tells anyone only whether the API is ready (and which dependency is not);
 * the checks with their error text, which carries internal addresses
 * (`connect ECONNREFUSED 10.0.3.4:9000`), and /metrics (process and route figures) need an
 * operator's bearer token: METRICS_TOKEN, or an administrator's access token. The checks
 * run at most once a second whoever asks, so /readyz is no lever on the dependencies.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Client as TemporalClient } from '@temporalio/client';
import { Router, type Request } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { pingDatabase, type Pool } from '../db/sql.js';
import { AppError, ForbiddenError, UnauthorizedError, UpstreamError } from '../lib/errors.js';
import type { Storage } from '../lib/storage.js';
import { withTimeout } from '../lib/timeout.js';
import { bearerToken } from './authentication.js';
import type { DependencyCheck } from './problem.js';
import { sendProblem } from './problem-response.js';

const CHECK_TIMEOUT_MS = 2000;
/** How long a readiness result is served again before the dependencies are asked anew. */
export const READINESS_CACHE_MS = 1000;

export interface ReadinessDeps {
  readonly pool: Pool;
  readonly temporal: TemporalClient;
  readonly storage: Storage;
  readonly probeBucket: string;
}

type CheckResult = DependencyCheck;

export async function checkDependencies(deps: ReadinessDeps): Promise<Record<string, CheckResult>> {
  const checks: Record<string, () => Promise<unknown>> = {
    postgres: () => pingDatabase(deps.pool),
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

/** Who may see readiness details and metrics. */
export interface OperatorAccess {
  /** METRICS_TOKEN: a static bearer token for scrapers, or undefined. */
  readonly metricsToken?: string;
  /** Checks access tokens; an administrator's is accepted too. */
  readonly verifyToken: TokenVerifier;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Resolves when the request carries METRICS_TOKEN or an administrator's access token;
 * otherwise 401 (none, or not valid), 403 (not an administrator) or 503 (the token could
 * not be checked: the database is away; METRICS_TOKEN still works then).
 */
export async function authorizeOperator(req: Request, access: OperatorAccess): Promise<void> {
  const token = bearerToken(req.headers.authorization);
  if (token === undefined) {
    throw new UnauthorizedError(
      'Send METRICS_TOKEN or an administrator\'s access token as "Authorization: Bearer <token>".',
    );
  }
  // Hashed first: timingSafeEqual needs equal lengths, and the length is no secret to leak.
  if (access.metricsToken !== undefined && timingSafeEqual(digest(token), digest(access.metricsToken))) return;
  let role: string;
  try {
    role = (await access.verifyToken(token)).role;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new UpstreamError('Database', 'The access token could not be checked right now; try again.');
  }
  if (role !== 'admin') throw new ForbiddenError('Only administrators (or METRICS_TOKEN) can read this.');
}

/** checkDependencies, run at most once per `ttlMs`: concurrent and following callers share one run. */
export function cachedReadiness(
  deps: ReadinessDeps,
  ttlMs = READINESS_CACHE_MS,
): () => Promise<Record<string, CheckResult>> {
  let current: { result: Promise<Record<string, CheckResult>>; until: number } | undefined;
  return () => {
    if (current && Date.now() < current.until) return current.result;
    const entry = { result: checkDependencies(deps), until: Number.POSITIVE_INFINITY };
    current = entry;
    // checkDependencies never rejects: every check's failure is a `down` entry.
    void entry.result.then(() => {
      entry.until = Date.now() + ttlMs;
    });
    return entry.result;
  };
}

export function healthRouter(deps: ReadinessDeps, metrics: HttpMetrics, access: OperatorAccess): Router {
  const router = Router();
  const readiness = cachedReadiness(deps);
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/readyz', async (req, res) => {
    const [checks, detailed] = await Promise.all([
      readiness(),
      req.headers.authorization === undefined
        ? false
        : authorizeOperator(req, access).then(
            () => true,
            () => false, // a probe is never refused: a token not accepted gets the public answer
          ),
    ]);
    for (const [name, result] of Object.entries(checks))
      metrics.dependencyUp.set({ dependency: name }, result.status === 'up' ? 1 : 0);
    const down = Object.entries(checks)
      .filter(([, r]) => r.status === 'down')
      .map(([name]) => name);
    if (down.length === 0) {
      res.json(detailed ? { status: 'ready', checks } : { status: 'ready' });
      return;
    }
    sendProblem(req, res, {
      slug: 'not-ready',
      title: 'Not ready',
      status: 503,
      detail: `Unavailable: ${down.join(', ')}.`,
      ...(detailed ? { checks } : {}),
    });
  });
  router.get('/metrics', async (req, res, next) => {
    try {
      await authorizeOperator(req, access);
    } catch (err) {
      if (err instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer');
      next(err);
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
