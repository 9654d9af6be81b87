/**
 * The audit log's writer: an Express middleware in front of tsoa's routes that records every
 * POST, PUT, PATCH and DELETE under /api/v1 made with a valid token, whatever its outcome,
 * in one place, so no controller or service has to remember it.
 *
 * The row is written when the handler has answered and before the answer leaves: `res.end` is
 * held until the INSERT is done, so a client that saw its change succeed finds it in
 * `GET /api/v1/audit`. It is not the change's own transaction (the services commit theirs
 * before answering): a process killed between the two loses the row, and a failed INSERT is
 * logged at error level (`audit entry not written`, without the fields) while the answer still
 * goes out, since the change itself was made.
 *
 * Not recorded: requests without a valid token (anyone could fill the table with them; the
 * HTTP log has them), GET/HEAD/OPTIONS, and routes outside the contract (404, 405).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Principal } from '../../auth/principal.js';
import { insertAuditEntry } from '../../db/audit-entries.js';
import type { AuditOutcome } from '../../db/entities/index.js';
import type { Pool } from '../../db/sql.js';
import { serializeError, type Logger } from '../../lib/logger.js';
import { uploadedFiles } from '../uploads.js';
import { AUDIT_ACTIONS, AUDITED_METHODS, type AuditAction } from './audit-actions.js';
import { contractSecrets, redact, storableString } from './redact.js';

interface AuditedRoute extends AuditAction {
  readonly method: string;
  /** `POST /api/v1/campaigns/{id}/pause` */
  readonly route: string;
  /** Captures the template's parameters, in order. */
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly secrets: ReadonlySet<string>;
}

/** One audit row, as written. */
export interface AuditRecord {
  readonly action: string;
  readonly route: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly actor: Principal;
  readonly ip: string | null;
  readonly requestId: string | null;
  readonly status: number;
  readonly outcome: AuditOutcome;
  readonly changes: unknown;
}

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  return status < 500 ? 'rejected' : 'error';
}

/** Every changing operation of the contract with its action; throws for one without (see audit-actions.ts). */
export function auditedRoutes(spec: object): AuditedRoute[] {
  const paths = (spec as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const secrets = contractSecrets(spec);
  const routes = Object.entries(paths).flatMap(([template, item]) =>
    Object.keys(item)
      .map((m) => m.toUpperCase())
      .filter((method) => AUDITED_METHODS.has(method))
      .map((method): AuditedRoute => {
        const route = `${method} ${template}`;
        const action = AUDIT_ACTIONS[route];
        if (!action) throw new Error(`${route} has no audit action: add it to api/audit/audit-actions.ts`);
        const params = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
        const source = template
          .split(/\{[^}]+\}/)
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('([^/]+)');
        // Case-insensitive with an optional trailing slash, as Express routes match: a path
        // the routes accept must not slip past the log (`POST /API/V1/TRUNKS/`).
        const pattern = new RegExp(`^${source}/?$`, 'i');
        return { ...action, method, route, pattern, params, secrets: secrets.get(route) ?? new Set() };
      }),
  );
  // Literal paths before templates (`/blocklist/upload` before `/blocklist/{id}`).
  return routes.sort((x, y) => x.params.length - y.params.length);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The id of the resource a request made: `Location`'s last segment, else the JSON answer's `id`. */
function createdId(res: Response, chunk: unknown): string | null {
  const location = res.getHeader('location');
  if (typeof location === 'string') return decode(location.split('/').at(-1) ?? '') || null;
  const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : typeof chunk === 'string' ? chunk : undefined;
  if (!text || !/json/.test(String(res.getHeader('content-type')))) return null;
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

function targetIdOf(route: AuditedRoute, match: RegExpExecArray, req: Request, res: Response, chunk: unknown) {
  if (route.target === 'self') return req.user?.userId ?? null;
  if (route.target === 'created') return res.statusCode < 300 ? createdId(res, chunk) : null;
  if (route.target === 'none') return null;
  const index = route.params.indexOf('id');
  return index < 0 ? null : decode(match[index + 1] ?? '');
}

/** The fields sent, secrets redacted; for a multipart upload, its form fields and each file's name, type and size. */
function changesOf(req: Request, route: AuditedRoute): unknown {
  const body: unknown = req.body;
  const fields = typeof body === 'object' && body !== null ? { ...(body as Record<string, unknown>) } : {};
  for (const file of uploadedFiles(req.files, req.file)) {
    fields[file.fieldname] = { name: file.originalname, type: file.mimetype, bytes: file.size };
  }
  return redact(fields, route.secrets);
}

function recordOf(req: Request, res: Response, route: AuditedRoute, match: RegExpExecArray, chunk: unknown) {
  const actor = req.user;
  if (!actor) return undefined;
  const status = res.statusCode;
  const outcome = outcomeOf(status);
  const targetId = targetIdOf(route, match, req, res, chunk);
  const requestId = (req as { id?: unknown }).id;
  return {
    action: route.action,
    route: route.route,
    targetType: route.targetType,
    targetId: targetId === null ? null : storableString(targetId).slice(0, 200),
    actor,
    ip: req.ip ?? null,
    requestId: typeof requestId === 'string' ? requestId : null,
    status,
    outcome,
    // A request that did not succeed did not pass its schema, or changed nothing: its body is
    // not kept (only the name rule could redact a field the schema does not know).
    changes: outcome === 'success' ? changesOf(req, route) : null,
  } satisfies AuditRecord;
}

export async function insertAuditRecord(pool: Pool, r: AuditRecord): Promise<void> {
  await insertAuditEntry(pool, {
    action: r.action,
    route: r.route,
    targetType: r.targetType,
    targetId: r.targetId,
    actorUserId: r.actor.userId,
    actorUsername: storableString(r.actor.username).slice(0, 200),
    actorClientId: r.actor.clientId ?? null,
    actorRole: r.actor.role,
    ip: r.ip === null ? null : storableString(r.ip).slice(0, 100),
    requestId: r.requestId,
    status: r.status,
    outcome: r.outcome,
    changes: r.changes === null ? null : JSON.stringify(r.changes),
  });
}

function matchRoute(routes: readonly AuditedRoute[], method: string, path: string) {
  for (const route of routes) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match) return { route, match };
  }
  return undefined;
}

/** The middleware; `spec` is the served contract, whose changing operations it audits. */
export function recordAudit(spec: object, pool: Pool, logger: Logger): RequestHandler {
  const routes = auditedRoutes(spec);
  return (req, res, next) => {
    if (!AUDITED_METHODS.has(req.method)) return next();
    const found = matchRoute(routes, req.method, req.path);
    if (!found) return next();
    const { route, match } = found;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = function endAfterAudit(this: Response, ...args: unknown[]) {
      res.end = end as Response['end'];
      const record = recordOf(req, res, route, match, args[0]);
      if (!record) return end(...args);
      void insertAuditRecord(pool, record)
        .catch((err: unknown) => {
          const { changes: _changes, actor, ...rest } = record;
          logger.error({ err: serializeError(err), ...rest, actorUserId: actor.userId }, 'audit entry not written');
        })
        .finally(() => end(...args));
      return this;
    } as Response['end'];
    next();
  };
}
