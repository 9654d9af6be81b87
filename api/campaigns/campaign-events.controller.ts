import type { Request as ExpressRequest } from 'express';
import {
  Controller,
  Get,
  Header,
  Path,
  Post,
  Produces,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
} from 'tsoa';
import type { Uuid } from '../ids.dto.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { CampaignEventsService } from './campaign-events.service.js';
import type { EventTicket } from './campaigns.dto.js';

/**
 * A campaign's progress as it happens, as server-sent events (docs/api.md, "Live progress").
 */
@Route('api/v1/campaigns')
@Tags('Campaigns')
export class CampaignEventsController extends Controller {
  constructor(private readonly events: CampaignEventsService) {
    super();
  }

  /**
   * The campaign's events as `text/event-stream`, for `curl -N` or a browser's `EventSource`:
   *
   * - `snapshot` first: `{campaignId, status, progress}` (progress as in `GET /campaigns/{id}`);
   * - `outcome` for each call attempt as its journal row is written (`GET /calls/{callId}` has
   *   the whole row), with an `id:`;
   * - `progress` when the counts change, `status` when the status does;
   * - `end` with the final status and counts once the campaign has completed, been cancelled
   *   or failed and every outcome has been sent; then the stream closes.
   *
   * A comment line every EVENTS_HEARTBEAT_MS keeps an idle stream open. Reconnect with
   * `Last-Event-ID` (an EventSource does so by itself) to get every outcome after it, once:
   * none is missed, none repeated. `Last-Event-ID: 0` replays them all.
   * Authenticate with the bearer token, or (a browser's EventSource cannot send it) with a
   * `ticket` from `POST /campaigns/{id}/events/ticket`.
   * @param id Campaign id (uuid).
   * @param lastEventId The position to continue after, when the `Last-Event-ID` header cannot be sent (the header wins).
   * @param ticket A one-time ticket from `POST /campaigns/{id}/events/ticket` instead of the bearer token.
   */
  @Get('{id}/events')
  @Security('oauth2', ['api'])
  @Security('eventTicket')
  @Produces('text/event-stream')
  @SuccessResponse(200, 'The event stream')
  @Response(204, 'The campaign has ended and no outcome follows `Last-Event-ID`: do not reconnect')
  @Response<ProblemDetails>(401, 'Missing, invalid or revoked token, or a ticket that is unknown, used or expired')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(422, '`Last-Event-ID` is not a position this stream sent')
  @Response<ProblemDetails>(
    429,
    'As many event streams are open as allowed, for you (EVENTS_MAX_CONNECTIONS_PER_OWNER) or on this server (EVENTS_MAX_CONNECTIONS)',
  )
  public async streamCampaignEvents(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Header('Last-Event-ID') lastEventIdHeader?: string,
    @Query() lastEventId?: string,
    @Query() ticket?: string,
  ): Promise<void> {
    void ticket; // read by the authentication (api/authentication.ts)
    const result = await this.events.stream(principalOf(req), id, lastEventIdHeader ?? lastEventId, req);
    if (result === 'ended') this.setStatus(204);
  }

  /**
   * A one-time ticket to open the campaign's event stream with `?ticket=` from a browser's
   * `EventSource`, which cannot send `Authorization`. It opens one stream, once, within
   * 30 seconds; when the stream breaks, ask for another and reconnect with `lastEventId`.
   * @param id Campaign id (uuid).
   */
  @Post('{id}/events/ticket')
  @Security('oauth2', ['api'])
  @Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
  @Response<ProblemDetails>(404, 'No such campaign')
  public async createEventTicket(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<EventTicket> {
    return this.events.ticket(principalOf(req), id);
  }
}
