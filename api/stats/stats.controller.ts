import type { Uuid } from '../ids.dto.js';
import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { CampaignStats, IntervalStats } from './stats.dto.js';
import type { StatsService } from './stats.service.js';

/**
 * Call statistics, computed from the call journal so that they agree with it exactly: calls
 * by outcome, answer-seizure ratio, talk time, attempts per contact, key presses, calls per
 * hour. What each figure means is documented on the response types.
 */
@Route('api/v1')
@Tags('Statistics')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class StatsController extends Controller {
  constructor(private readonly stats: StatsService) {
    super();
  }

  /**
   * One campaign's statistics over all its attempts, and its contacts by state and final
   * outcome. Yours (an administrator: anyone's); another owner's campaign answers 404.
   * @param id Campaign id (uuid).
   * @param timezone IANA time zone of the hourly buckets (default `UTC`).
   */
  @Get('campaigns/{id}/stats')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(422, 'Unknown time zone')
  public async getCampaignStats(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() timezone?: string,
  ): Promise<CampaignStats> {
    return this.stats.campaign(principalOf(req), id, timezone);
  }

  /**
   * Statistics of the calls whose INVITE was sent in `[from, to)`: your calls, an
   * administrator's view of everyone's (or of one owner's with `ownerId`), a department
   * manager's of a department's members (`departmentId`); with `groupBy`, also by slice.
   * @param from Start (inclusive), ISO 8601 with an offset, e.g. `2026-12-01T00:00:00+01:00`
   *   (encode `+` as `%2B`; a `+` sent bare arrives as a space and is read as `+`). Default:
   *   24 hours before `to`.
   * @param to End (exclusive), same form; default: now. At most 366 days after `from`.
   * @param timezone IANA time zone of the hourly buckets and of the `hour` and `day` groups
   *   (default `UTC`).
   * @param ownerId Only this owner's calls: for administrators (anyone else may name only
   *   themselves; another id answers 404).
   * @param departmentId Only the calls of this department's members (as they are members
   *   now): for its managers and administrators (any other department answers 404). Not
   *   with `ownerId`.
   * @param groupBy Also group the calls (`groups`) by up to 3 of `department`, `user`,
   *   `campaign`, `trunk`, `outcome` and `hour` or `day`, comma-separated, e.g.
   *   `department,day`; the order is the groups' sort order. `hour` needs `from` and `to` at
   *   most 31 days apart; a slice of more than 10,000 groups is refused (422 naming `groupBy`).
   */
  @Get('stats')
  @Response<ProblemDetails>(404, 'No such owner or department')
  @Response<ProblemDetails>(422, 'Invalid from, to, timezone, ownerId, departmentId or groupBy, or too many groups')
  public async getStats(
    @Request() req: ExpressRequest,
    @Query() from?: string,
    @Query() to?: string,
    @Query() timezone?: string,
    @Query() ownerId?: string,
    @Query() departmentId?: string,
    @Query() groupBy?: string,
  ): Promise<IntervalStats> {
    return this.stats.interval(principalOf(req), { from, to, timezone, ownerId, departmentId, groupBy });
  }
}
