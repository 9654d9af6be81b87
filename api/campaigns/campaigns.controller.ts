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
import type { CampaignControlService } from './campaign-control.service.js';
import type {
  CampaignDetail,
  CampaignPage,
  CampaignView,
  CreateCampaignRequest,
  RerunCampaignRequest,
  UpdateCampaignRequest,
} from './campaigns.dto.js';
import type { CampaignsService } from './campaigns.service.js';

/**
 * Campaigns: play an audio message to every contact of a list through a trunk, with
 * retries, pacing and a calling window. Each runs as the Temporal workflow
 * `campaign-<id>`. Owned like the resources they use: administrators see all, anyone
 * else's answers 404.
 *
 * Campaign status: see the state machine in docs/campaigns.md (drawn once, there).
 */
@Route('api/v1/campaigns')
@Tags('Campaigns')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class CampaignsController extends Controller {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly control: CampaignControlService,
  ) {
    super();
  }

  /**
   * Creates a draft campaign. The trunk, audio message and contact list must be yours.
   */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(
    422,
    'Invalid settings, settings that break the compliance profile, or a trunk, audio or list that is not yours',
  )
  public async createCampaign(
    @Request() req: ExpressRequest,
    @Body() body: CreateCampaignRequest,
  ): Promise<CampaignView> {
    const campaign = await this.campaigns.create(principalOf(req), body);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/campaigns/${campaign.id}`);
    return campaign;
  }

  /**
   * Your campaigns (an administrator's: everyone's), newest first, a page at a time.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit or cursor')
  public async listCampaigns(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<CampaignPage> {
    return this.campaigns.list(principalOf(req), limit, after);
  }

  /**
   * The campaign with its progress: contacts per state and per final outcome (from the
   * database) and, while it runs, the calls in flight (from the workflow).
   * @param id Campaign id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such campaign')
  public async getCampaign(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<CampaignDetail> {
    return this.campaigns.get(principalOf(req), id);
  }

  /**
   * Changes the fields given while the campaign is a draft; while it is scheduled, only
   * `startAt` and `endAt` (its workflow's timer moves with them).
   * @param id Campaign id (uuid).
   */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(409, 'The campaign has been started (or, scheduled, a field other than startAt/endAt)')
  @Response<ProblemDetails>(422, 'Invalid settings, or settings that break the compliance profile')
  public async updateCampaign(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateCampaignRequest,
  ): Promise<CampaignView> {
    return this.campaigns.update(principalOf(req), id, body);
  }

  /**
   * Deletes a campaign that is not scheduled, running or paused. Its call journal stays.
   * @param id Campaign id (uuid).
   */
  @Delete('{id}')
  @SuccessResponse(204, 'Deleted')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(409, 'The campaign is scheduled, running or paused')
  public async deleteCampaign(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.campaigns.delete(principalOf(req), id);
    this.setStatus(204);
  }

  /**
   * Starts a draft: copies the contact list's contacts into the campaign and starts its
   * workflow. Later changes to the list do not affect it. With a `startAt` ahead the campaign
   * is `scheduled`: its workflow waits on a durable timer and places the first call then.
   * @param id Campaign id (uuid).
   */
  @Post('{id}/start')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(409, 'Not a draft, its endAt has passed, or its trunk, audio or list was deleted')
  @Response<ProblemDetails>(
    422,
    "`compliance-violation`: the settings break a rule of the campaign's or its owner's compliance profile",
  )
  @Response<ProblemDetails>(503, 'Temporal did not take the workflow; the campaign is still a draft')
  public async startCampaign(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<CampaignView> {
    return this.control.start(principalOf(req), id);
  }

  /**
   * Creates a new draft with this campaign's settings over its contacts whose final outcome is
   * one of `outcomes` (a new contact list of them, with their imported columns), linked to it
   * by `parentCampaignId`. Only once the campaign has ended.
   * @param id Campaign id (uuid).
   */
  @Post('{id}/rerun')
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(409, 'The campaign has not ended')
  @Response<ProblemDetails>(422, 'Invalid outcomes, or no contact ended with any of them')
  public async rerunCampaign(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: RerunCampaignRequest,
  ): Promise<CampaignView> {
    const campaign = await this.campaigns.rerun(principalOf(req), id, body);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/campaigns/${campaign.id}`);
    return campaign;
  }

  /**
   * Stops placing new calls; calls in flight finish.
   * @param id Campaign id (uuid).
   */
  @Post('{id}/pause')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(409, 'The campaign is not running')
  public async pauseCampaign(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<CampaignView> {
    return this.control.steer(principalOf(req), id, 'pause');
  }

  /**
   * Resumes a paused campaign: dialling goes on where it stopped.
   * @param id Campaign id (uuid).
   */
  @Post('{id}/resume')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(409, 'The campaign is not paused')
  public async resumeCampaign(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<CampaignView> {
    return this.control.steer(principalOf(req), id, 'resume');
  }

  /**
   * Stops everything: live calls are hung up, the contacts not done are marked cancelled.
   * A draft is simply marked cancelled; a scheduled campaign's timer is dropped.
   * @param id Campaign id (uuid).
   */
  @Post('{id}/cancel')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(409, 'The campaign has already ended')
  public async cancelCampaign(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<CampaignView> {
    return this.control.steer(principalOf(req), id, 'cancel');
  }
}
