import {
  Body,
  Controller,
  Get,
  Patch,
  Path,
  Post,
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
import type { ClientView, ClientWithSecret, CreateClientRequest, UpdateClientRequest } from './clients.dto.js';
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

  @Get()
  public async listClients(@Request() req: ExpressRequest): Promise<ClientView[]> {
    return this.clients.list(principalOf(req));
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

  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such client')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updateClient(
    @Request() req: ExpressRequest,
    @Path() id: string,
    @Body() body: UpdateClientRequest,
  ): Promise<ClientView> {
    return this.clients.update(principalOf(req), id, body);
  }

  /** Replaces the client's secret; the old secret stops working at once. */
  @Post('{id}/rotate-secret')
  @Response<ProblemDetails>(404, 'No such client')
  public async rotateClientSecret(@Request() req: ExpressRequest, @Path() id: string): Promise<ClientWithSecret> {
    return this.clients.rotateSecret(principalOf(req), id);
  }
}
