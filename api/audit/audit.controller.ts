import type { Request as ExpressRequest } from 'express';
import { Controller, Get, Query, Request, Response, Route, Security, Tags } from 'tsoa';
import type { AuditOutcome, AuditTargetType } from '../../db/entities/index.js';
import type { ClientId, Uuid } from '../ids.dto.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { AuditActionFilter, AuditPage, AuditTargetIdFilter } from './audit.dto.js';
import type { AuditService } from './audit.service.js';

/**
 * Who changed what, when, from where: every POST, PUT, PATCH and DELETE made with a valid
 * token (trunks, audio, contact lists, campaigns and their controls, the blocklist, webhooks,
 * users, machine clients, policies and limits), including those that were refused, with the
 * fields sent and every secret redacted.
 */
@Route('api/v1/audit')
@Tags('Audit log')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class AuditController extends Controller {
  constructor(private readonly audit: AuditService) {
    super();
  }

  /**
   * The audit log, newest first, a page at a time: an administrator's shows everyone's
   * entries, anyone else's their own (made with their token or their machine clients').
   * Filters combine.
   * @param limit Page size, 1–500.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 500
   * @param after Cursor from the previous page's `nextCursor` (same filters).
   * @param action Entries of this action (`trunk.update`), or of every action with a prefix (`campaign.*`).
   * @param targetType Entries about this kind of resource.
   * @param targetId Entries about this resource (with or without `targetType`).
   * @param actorId Entries of this user (their own token or their machine clients'); for a non-administrator, only their own id finds anything.
   * @param clientId Entries made with this machine client's token.
   * @param outcome Entries that ended so.
   * @param from Entries at or after this instant: ISO 8601 with a UTC offset, e.g. `2026-12-01T09:00:00+01:00`.
   * @param to Entries before this instant (exclusive); same form as `from`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit, cursor, filter or instant')
  public async listAudit(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
    @Query() action?: AuditActionFilter,
    @Query() targetType?: AuditTargetType,
    @Query() targetId?: AuditTargetIdFilter,
    @Query() actorId?: Uuid,
    @Query() clientId?: ClientId,
    @Query() outcome?: AuditOutcome,
    @Query() from?: string,
    @Query() to?: string,
  ): Promise<AuditPage> {
    return this.audit.list(principalOf(req), {
      limit,
      after,
      action,
      targetType,
      targetId,
      actorId,
      clientId,
      outcome,
      from,
      to,
    });
  }
}
