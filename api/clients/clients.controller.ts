import type { ClientId } from '../ids.dto.js';
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
import type {
  ClientPage,
  ClientView,
  ClientWithSecret,
  CreateClientRequest,
  UpdateClientRequest,
} from './clients.dto.js';
import type { ClientsService } from './clients.service.js';

/** Machine clients for the OAuth client_credentials grant. Administrators only. */
@Route('api/v1/clients')
@Tags('Machine clients')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
@Response<ProblemDetails>(403, 'Not an administrator')
export class ClientsController extends Controller {
  constructor(private readonly clients: ClientsService) {
    super();
  }

  /**
   * Every machine client, newest first, a page at a time.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit or cursor')
  public async listClients(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<ClientPage> {
    return this.clients.list(principalOf(req), limit, after);
  }

  /** Creates a machine client; the response carries its secret, shown only this once. */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async createClient(
    @Request() req: ExpressRequest,
    @Body() body: CreateClientRequest,
  ): Promise<ClientWithSecret> {
    const client = await this.clients.create(principalOf(req), body);
    this.setStatus(201);
    return client;
  }

  /** Renames, disables or re-roles a machine client; disabling ends its tokens. */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such client')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updateClient(
    @Request() req: ExpressRequest,
    @Path() id: ClientId,
    @Body() body: UpdateClientRequest,
  ): Promise<ClientView> {
    return this.clients.update(principalOf(req), id, body);
  }

  /** Replaces the client's secret; the old secret stops working at once. */
  @Post('{id}/rotate-secret')
  @Response<ProblemDetails>(404, 'No such client')
  public async rotateClientSecret(@Request() req: ExpressRequest, @Path() id: ClientId): Promise<ClientWithSecret> {
    return this.clients.rotateSecret(principalOf(req), id);
  }
}
