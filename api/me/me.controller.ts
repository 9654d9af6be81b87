import { Body, Controller, Get, Post, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { ChangePasswordRequest, MeView } from '../users/users.dto.js';
import type { UsersService } from '../users/users.service.js';
import type { DepartmentsService } from '../departments/departments.service.js';

@Route('api/v1/me')
@Tags('Users')
@Security('oauth2', ['api'])
export class MeController extends Controller {
  constructor(
    private readonly users: UsersService,
    private readonly departments: DepartmentsService,
  ) {
    super();
  }

  /**
   * The caller: the logged-in user, or for a machine client the user it acts for, with the
   * lesser of the client's role and its owner's current role.
   */
  @Get()
  @Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
  public async getMe(@Request() req: ExpressRequest): Promise<MeView> {
    const principal = principalOf(req);
    const [user, departments] = await Promise.all([
      this.users.get(principal, principal.userId),
      this.departments.ofPrincipal(principal),
    ]);
    // A machine client acts for its owner with its effective role (token-verifier.ts).
    return {
      ...user,
      role: principal.role,
      kind: principal.kind,
      department: departments.department,
      managedDepartments: departments.managed,
      ...(principal.clientId ? { clientId: principal.clientId } : {}),
    };
  }

  /**
   * Changes the caller's own password, given the current one. Every session of the user ends,
   * this one included: log in again with the new password. Wrong current passwords count as
   * failed logins (429 with `Retry-After` once throttled).
   */
  @Post('password')
  @SuccessResponse(204, 'Changed; all sessions ended')
  @Response<ProblemDetails>(403, 'A machine client cannot change a password')
  @Response<ProblemDetails>(422, 'Wrong current password or invalid new one')
  @Response<ProblemDetails>(429, 'Too many wrong current passwords')
  public async changePassword(@Request() req: ExpressRequest, @Body() body: ChangePasswordRequest): Promise<void> {
    await this.users.changeOwnPassword(principalOf(req), body, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    this.setStatus(204);
  }
}
