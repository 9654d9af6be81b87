import type { Uuid } from '../ids.dto.js';
import {
  Body,
  Controller,
  Delete,
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
import type { CreateTrunkRequest, TrunkPage, TrunkTestResult, TrunkView, UpdateTrunkRequest } from './trunks.dto.js';
import type { TrunksService } from './trunks.service.js';

/**
 * SIP trunks: the gateway accounts campaigns call through. Each belongs to the user who
 * made it (administrators see all; anyone else's answers 404). The password is write-only.
 */
@Route('api/v1/trunks')
@Tags('SIP trunks')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class TrunksController extends Controller {
  constructor(private readonly trunks: TrunksService) {
    super();
  }

  /**
   * Your trunks (all trunks for an administrator), newest first, a page at a time.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit or cursor')
  public async listTrunks(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<TrunkPage> {
    return this.trunks.list(principalOf(req), limit, after);
  }

  /** Creates a trunk owned by the caller. The password is stored encrypted and never returned. */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(409, 'You already have a trunk with this name')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async createTrunk(@Request() req: ExpressRequest, @Body() body: CreateTrunkRequest): Promise<TrunkView> {
    const trunk = await this.trunks.create(principalOf(req), body);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/trunks/${trunk.id}`);
    return trunk;
  }

  /**
   * One of your trunks; the password is write-only (`hasPassword`).
   * @param id Trunk id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such trunk')
  public async getTrunk(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<TrunkView> {
    return this.trunks.get(principalOf(req), id);
  }

  /**
   * Changes the fields given. `password`: leave it out to keep it, `null` removes it.
   * @param id Trunk id (uuid).
   */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such trunk')
  @Response<ProblemDetails>(409, 'You already have a trunk with this name')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updateTrunk(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateTrunkRequest,
  ): Promise<TrunkView> {
    return this.trunks.update(principalOf(req), id, body);
  }

  /**
   * Deletes a trunk; 409 while a campaign that is not finished uses it.
   * @param id Trunk id (uuid).
   */
  @Delete('{id}')
  @SuccessResponse(204, 'Deleted')
  @Response<ProblemDetails>(404, 'No such trunk')
  public async deleteTrunk(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.trunks.delete(principalOf(req), id);
    this.setStatus(204);
  }

  /**
   * Tests the trunk now: sends an OPTIONS (answering a digest challenge with the trunk's
   * credentials) and, when the trunk registers, a REGISTER that is removed again right
   * after. Answers within TRUNK_TEST_TIMEOUT_SECONDS (default 5) whatever the far end does:
   * a dead host is `reachable: false, error: "timeout"`, a wrong password
   * `authenticated: false` with the trunk's 401/403.
   * @param id Trunk id (uuid).
   */
  @Post('{id}/test')
  @Response<ProblemDetails>(404, 'No such trunk')
  public async testTrunk(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<TrunkTestResult> {
    return this.trunks.test(principalOf(req), id);
  }
}
