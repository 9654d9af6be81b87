import type { EntityManager } from '@mikro-orm/postgresql';
import { isAdmin, type Principal } from '../../auth/principal.js';
import { AuditEntry, type AuditOutcome, type AuditTargetType } from '../../db/entities/index.js';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import { newestFirstPage } from '../keyset-cursor.js';
import { parseInstant } from '../stats/stats-params.js';
import type { AuditEntryView, AuditPage } from './audit.dto.js';

export interface AuditQuery {
  readonly limit: number;
  readonly after?: string;
  readonly action?: string;
  readonly targetType?: AuditTargetType;
  readonly targetId?: string;
  readonly actorId?: string;
  readonly clientId?: string;
  readonly outcome?: AuditOutcome;
  readonly from?: string;
  readonly to?: string;
}

const INSTANT_MESSAGE = 'must be an ISO 8601 date and time with an offset, e.g. 2026-12-01T09:00:00+01:00';

function toView(row: AuditEntry): AuditEntryView {
  return {
    id: row.id,
    createdAt: row.createdAt,
    action: row.action,
    route: row.route,
    targetType: row.targetType,
    targetId: row.targetId ?? null,
    actor: {
      userId: row.actorUserId,
      username: row.actorUsername,
      clientId: row.actorClientId ?? null,
      role: row.actorRole,
    },
    ip: row.ip ?? null,
    requestId: row.requestId ?? null,
    status: row.status,
    outcome: row.outcome,
    changes: row.changes ?? null,
  };
}

/** The `[from, to)` filter on `createdAt`; 422 naming `from` or `to` when unreadable or reversed. */
function interval(from: string | undefined, to: string | undefined): object {
  const problems: FieldError[] = [];
  const start = from === undefined ? undefined : parseInstant(from);
  const end = to === undefined ? undefined : parseInstant(to);
  if (from !== undefined && !start) problems.push({ field: 'from', message: INSTANT_MESSAGE });
  if (to !== undefined && !end) problems.push({ field: 'to', message: INSTANT_MESSAGE });
  if (start && end && start > end) problems.push({ field: 'from', message: 'must not be after to' });
  if (problems.length > 0) throw new ValidationError(problems);
  if (!start && !end) return {};
  return { createdAt: { ...(start ? { $gte: start } : {}), ...(end ? { $lt: end } : {}) } };
}

/** Reads the audit log: everyone's for an administrator, otherwise the caller's own entries. */
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  async list(principal: Principal, query: AuditQuery): Promise<AuditPage> {
    const when = interval(query.from, query.to);
    const action = query.action?.endsWith('.*')
      ? { $like: `${query.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%` }
      : query.action;
    // A non-administrator's own entries only: their actorId filter can only narrow that.
    const actorUserId = isAdmin(principal) ? query.actorId : principal.userId;
    const mismatch = !isAdmin(principal) && query.actorId !== undefined && query.actorId !== principal.userId;
    if (mismatch) return { items: [] };
    const where = {
      ...(actorUserId !== undefined ? { actorUserId } : {}),
      ...(action !== undefined ? { action } : {}),
      ...(query.targetType !== undefined ? { targetType: query.targetType } : {}),
      ...(query.targetId !== undefined ? { targetId: query.targetId } : {}),
      ...(query.clientId !== undefined ? { actorClientId: query.clientId } : {}),
      ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
      ...when,
    };
    return newestFirstPage(this.em, AuditEntry, where, { limit: query.limit, after: query.after }, toView);
  }
}
