import { Controller, Get, Request, Response, Route, Security, Tags } from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { WorkerCheckResult } from '../../workflows/index.js';
import type { ProblemDetails } from '../problem.js';
import type { SystemService } from './system.service.js';

@Route('api/v1/system')
@Tags('System')
@Security('oauth2', ['api'])
export class SystemController extends Controller {
  constructor(private readonly system: SystemService) {
    super();
  }

  /**
   * Runs a real workflow on the dialer task queue: proves a worker is polling and can
   * reach PostgreSQL and MinIO. Administrators only.
   */
  @Get('worker')
  @Response<ProblemDetails>(403, 'Not an administrator')
  @Response<ProblemDetails>(503, 'No worker answered')
  public async checkWorker(@Request() req: ExpressRequest): Promise<WorkerCheckResult> {
    return this.system.checkWorker(principalOf(req));
  }
}
