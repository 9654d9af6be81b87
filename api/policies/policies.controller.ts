import { Body, Controller, Get, Put, Request, Response, Route, Security, Tags } from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { PolicyView, UpdatePolicyRequest } from './policies.dto.js';
import type { PoliciesService } from './policies.service.js';

/** The caller's communication policies, across all their campaigns, enforced when each call is placed. */
@Route('api/v1/policies')
@Tags('Policies')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class PoliciesController extends Controller {
  constructor(private readonly policies: PoliciesService) {
    super();
  }

  /** The frequency cap and the tenant limit that apply to the caller's calls, and where each comes from. */
  @Get()
  public async getPolicies(@Request() req: ExpressRequest): Promise<PolicyView> {
    return this.policies.get(principalOf(req));
  }

  /**
   * Sets the caller's frequency cap: at most `maxCalls` calls to one number per rolling
   * `windowSeconds` across all their campaigns (`null`: none; left out: the default). Applies
   * from the next call placed. The tenant limit is an administrator's (`PUT /users/{id}/limits`).
   */
  @Put()
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updatePolicies(@Request() req: ExpressRequest, @Body() body: UpdatePolicyRequest): Promise<PolicyView> {
    return this.policies.update(principalOf(req), body);
  }
}
