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
import type { WebhookDeliveryStatus } from '../../db/entities/index.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  WebhookDeliveryPage,
  WebhookPage,
  WebhookView,
  WebhookWithSecret,
} from './webhooks.dto.js';
import type { WebhooksService } from './webhooks.service.js';

/**
 * Webhooks: URLs told about your calls. Each call attempt's final result
 * (`call.completed`) and each uploaded recording (`recording.uploaded`) is POSTed as JSON,
 * signed with the webhook's secret (`Voicecast-Signature`, see docs/webhooks.md), and retried
 * with exponential back-off until the receiver answers 2xx, refuses it for good (4xx other
 * than 408 and 429) or a day has passed. Owned like every resource: administrators see
 * all, anyone else's answers 404.
 */
@Route('api/v1/webhooks')
@Tags('Webhooks')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class WebhooksController extends Controller {
  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  /**
   * Your webhooks (all of them for an administrator), newest first, a page at a time.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit or cursor')
  public async listWebhooks(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<WebhookPage> {
    return this.webhooks.list(principalOf(req), limit, after);
  }

  /**
   * Registers a webhook for one of your campaigns (`campaignId`) or for all of them. By
   * default it gets every event and is active. The response carries the signing secret,
   * shown only this once.
   */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(409, 'The owner has as many webhooks as allowed (`limit-exceeded`, maxWebhooks)')
  @Response<ProblemDetails>(422, 'Invalid URL, events, or a campaign that is not yours')
  public async createWebhook(
    @Request() req: ExpressRequest,
    @Body() body: CreateWebhookRequest,
  ): Promise<WebhookWithSecret> {
    const hook = await this.webhooks.create(principalOf(req), body);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/webhooks/${hook.id}`);
    return hook;
  }

  /**
   * One of your webhooks (its secret is never shown again).
   * @param id Webhook id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such webhook')
  public async getWebhook(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<WebhookView> {
    return this.webhooks.get(principalOf(req), id);
  }

  /**
   * Changes the fields given. Pending deliveries go to the new URL on their next try.
   * @param id Webhook id (uuid).
   */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such webhook')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updateWebhook(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateWebhookRequest,
  ): Promise<WebhookView> {
    return this.webhooks.update(principalOf(req), id, body);
  }

  /**
   * Deletes the webhook and its delivery log; pending deliveries are not sent.
   * @param id Webhook id (uuid).
   */
  @Delete('{id}')
  @SuccessResponse(204, 'Deleted')
  @Response<ProblemDetails>(404, 'No such webhook')
  public async deleteWebhook(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.webhooks.delete(principalOf(req), id);
    this.setStatus(204);
  }

  /**
   * Replaces the signing secret (shown only in this response); the old one stops being
   * used at once, also for retries of earlier events.
   * @param id Webhook id (uuid).
   */
  @Post('{id}/rotate-secret')
  @Response<ProblemDetails>(404, 'No such webhook')
  public async rotateWebhookSecret(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<WebhookWithSecret> {
    return this.webhooks.rotateSecret(principalOf(req), id);
  }

  /**
   * The delivery log: each event sent (or being sent) to this webhook, newest first, with
   * every try's HTTP status or error.
   * @param id Webhook id (uuid).
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   * @param status Only deliveries in this state.
   */
  @Get('{id}/deliveries')
  @Response<ProblemDetails>(404, 'No such webhook')
  @Response<ProblemDetails>(422, 'Invalid limit, cursor or status')
  public async listWebhookDeliveries(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() limit = 50,
    @Query() after?: string,
    @Query() status?: WebhookDeliveryStatus,
  ): Promise<WebhookDeliveryPage> {
    return this.webhooks.deliveries(principalOf(req), id, { limit, after, status });
  }
}
