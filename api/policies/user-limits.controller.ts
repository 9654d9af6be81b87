import type { Uuid } from '../ids.dto.js';
import { Body, Controller, Get, Path, Put, Request, Response, Route, Security, Tags } from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { LimitsView, UpdateLimitsRequest } from './policies.dto.js';
import type { PoliciesService } from './policies.service.js';

/** A user's tenant limits. Administrators only. */
@Route('api/v1/users')
@Tags('Users')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
@Response<ProblemDetails>(403, 'Not an administrator')
export class UserLimitsController extends Controller {
  constructor(private readonly policies: PoliciesService) {
    super();
  }

  /**
   * A user's limits: the operator's defaults with the administrator's overrides.
   * @param id User id (uuid). @format id uuid
   */
  @Get('{id}/limits')
  @Response<ProblemDetails>(404, 'No such user')
  public async getUserLimits(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<LimitsView> {
    return this.policies.getLimits(principalOf(req), id);
  }

  /**
   * Sets the user's tenant limits: at most `maxConcurrentCalls` simultaneous calls across all
   * their campaigns and workers (applies from the next call), at most `maxWebhooks` webhooks
   * (`null`: the installation's default; left out: unchanged).
   * @param id User id (uuid). @format id uuid
   */
  @Put('{id}/limits')
  @Response<ProblemDetails>(404, 'No such user')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updateUserLimits(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateLimitsRequest,
  ): Promise<LimitsView> {
    return this.policies.updateLimits(principalOf(req), id, body);
  }
}
