/**
 * The Express app: oidc-provider at /oauth (before any body parser: it reads the body
 * itself), health and metrics, the OpenAPI spec and Swagger UI, tsoa's routes under
 * /api/v1, then problem+json for unknown routes and errors.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Multer } from 'multer';
import { pinoHttp } from 'pino-http';
import { Gauge } from 'prom-client';
import swaggerUi from 'swagger-ui-express';
import type { Provider } from 'oidc-provider';
import { FIRST_PARTY_CLIENT_ID } from '../auth/provider.js';
import { publicClientBasicAuth } from '../auth/public-client-basic.js';
import { countTrunksDown } from '../db/trunk-health.js';
import { serializeError } from '../lib/logger.js';
import { recordAudit } from './audit/audit-recorder.js';
import type { Container } from './container.js';
import { RegisterRoutes } from './generated/routes.js';
import generatedSpec from './generated/swagger.json';
import { createMetrics, healthRouter, type HttpMetrics } from './health.js';
import { refuseNulInJson } from './nul-guard.js';
import { jsonBodySchemas, refuseUndeclaredNulls } from './json-nulls.js';
import { refuseUndeclaredMediaTypes } from './media-types.js';
import { bodyMediaTypes, completeContract, pathMethods, pathPattern } from './openapi-contract.js';
import { errorHandler, methodNotAllowedHandler, notFoundHandler } from './problem-response.js';
import { securityHeaders } from './security-headers.js';
import { createUploader, deleteUploadsAfterResponse } from './uploads.js';
import './express-augment.js';

/** The served OpenAPI document: tsoa's spec completed into the contract (api/openapi-contract.ts). */
const contract = completeContract(generatedSpec);

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

function requestMetrics(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.duration.startTimer();
    res.on('finish', () => {
      // Label by route pattern, never by raw path (ids would explode cardinality).
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : req.baseUrl || 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      end(labels);
    });
    next();
  };
}

export function createApp(container: Container, provider: Provider): Express {
  const { config, logger, pool, temporal, storage } = container.infra;
  const app = express();
  app.disable('x-powered-by');
  // One trusted hop: req.ip is the address the proxy appended, never one the client wrote.
  app.set('trust proxy', config.api.trustProxy ? 1 : false);
  app.locals.container = container;
  const metrics = createMetrics();
  const streams = container.campaignEvents;
  new Gauge({
    name: 'voicecast_event_streams',
    help: 'Open campaign event streams (GET /api/v1/campaigns/{id}/events) on this process',
    registers: [metrics.registry],
    collect() {
      this.set(streams.load().streams);
    },
  });
  new Gauge({
    name: 'voicecast_event_campaigns_watched',
    help: 'Campaigns this process polls for event streams (one poll each per EVENTS_POLL_MS)',
    registers: [metrics.registry],
    collect() {
      this.set(streams.load().campaigns);
    },
  });
  new Gauge({
    name: 'voicecast_trunks_down',
    help: 'Trunks their circuit breaker holds down now (trunk_health; TRUNK_BREAKER_*), every owner',
    registers: [metrics.registry],
    async collect() {
      // PostgreSQL away: the gauge keeps its last value (readiness says the database is down).
      const down = await countTrunksDown(pool).catch(() => undefined);
      if (down !== undefined) this.set(down);
    },
  });

  app.use(
    pinoHttp({
      logger: logger.child({ component: 'http' }),
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug',
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        // pino-http replaces the logger's own err serializer with pino's unless given one.
        err: serializeError,
      },
    }),
  );
  app.use(requestMetrics(metrics));
  app.use(securityHeaders({ publicUrl: config.api.publicUrl }));

  app.use('/oauth', publicClientBasicAuth(FIRST_PARTY_CLIENT_ID), provider.callback());
  app.use(
    healthRouter({ pool, temporal, storage, probeBucket: config.minio.buckets.audio }, metrics, {
      metricsToken: config.api.metricsToken,
      verifyToken: container.infra.verifyToken,
    }),
  );

  app.get('/openapi.json', (_req, res) => {
    res.json(contract);
  });
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(undefined, {
      customSiteTitle: 'Voicecast API',
      swaggerOptions: {
        url: '/openapi.json',
        // Tokens stay in the page's memory: persisted, they would sit in localStorage for any
        // script of this origin to read, long after the tab is closed (F30).
        persistAuthorization: false,
        // No request to validator.swagger.io (and none allowed by the CSP).
        validatorUrl: null,
        oauth: { clientId: FIRST_PARTY_CLIENT_ID, scopes: ['api'] },
      },
    }),
  );

  app.use(methodNotAllowedHandler(pathMethods(contract)));
  app.use(refuseUndeclaredMediaTypes(bodyMediaTypes(contract)));
  app.use(express.json({ limit: '1mb' }));
  app.use(refuseNulInJson());
  app.use(refuseUndeclaredNulls(jsonBodySchemas(contract, pathPattern), contract));
  const api = express.Router();
  api.use(deleteUploadsAfterResponse(logger));
  api.use(recordAudit(contract, pool, logger.child({ component: 'audit' })));
  // tsoa's generated signature takes the multer option only once a route has an upload.
  (RegisterRoutes as (router: Router, opts?: { multer?: Multer }) => void)(api, {
    multer: createUploader(config, container.uploadAdmission),
  });
  app.use(api);

  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}
