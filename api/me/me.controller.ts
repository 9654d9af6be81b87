import { Controller, Get, Request, Response, Route, Security, Tags } from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { MeView } from '../users/users.dto.js';
import type { UsersService } from '../users/users.service.js';

@Route('api/v1/me')
@Tags('Users')
@Security('oauth2', ['api'])
export class MeController extends Controller {
  constructor(private readonly users: UsersService) {
    super();
  }

  /** The caller: the logged-in user, or for a machine client the user it acts for (with the client's role). */
  @Get()
  @Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
  public async getMe(@Request() req: ExpressRequest): Promise<MeView> {
    const principal = principalOf(req);
    const user = await this.users.get(principal, principal.userId);
    // A machine client acts for its owner with its own role.
    return {
      ...user,
      role: principal.role,
      kind: principal.kind,
      ...(principal.clientId ? { clientId: principal.clientId } : {}),
    };
  }
}
