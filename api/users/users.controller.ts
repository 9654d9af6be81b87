import type { Uuid } from '../ids.dto.js';
import {
  Body,
  Controller,
  Get,
  Patch,
  Path,
  Post,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
} from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { CreateUserRequest, UpdateUserRequest, UserPage, UserView } from './users.dto.js';
import type { UsersService } from './users.service.js';

/** People who log in. Administrators only, except reading your own record. */
@Route('api/v1/users')
@Tags('Users')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
@Response<ProblemDetails>(403, 'Not an administrator')
export class UsersController extends Controller {
  constructor(private readonly users: UsersService) {
    super();
  }

  /**
   * Lists users ordered by username, a page at a time.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  public async listUsers(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<UserPage> {
    return this.users.list(principalOf(req), limit, after);
  }

  /** Creates a user. The password is hashed with argon2id and never returned. */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(409, 'Username taken')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async createUser(@Request() req: ExpressRequest, @Body() body: CreateUserRequest): Promise<UserView> {
    const user = await this.users.create(principalOf(req), body);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/users/${user.id}`);
    return user;
  }

  /**
   * One user.
   * @param id User id (uuid). @format id uuid
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such user')
  public async getUser(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<UserView> {
    return this.users.get(principalOf(req), id);
  }

  /**
   * Changes password, role, display name, or disables / re-enables a user. Disabling or a
   * new password revokes the user's refresh tokens and makes their access tokens stop working.
   * @param id User id (uuid). @format id uuid
   */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such user')
  @Response<ProblemDetails>(409, 'Would leave no active administrator')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updateUser(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateUserRequest,
  ): Promise<UserView> {
    return this.users.update(principalOf(req), id, body);
  }
}
