import type { Readable } from 'node:stream';
import type { Request as ExpressRequest } from 'express';
import { Controller, Get, Path, Produces, Query, Request, Response, Route, Security, Tags } from 'tsoa';
import type { CallExportService } from '../calls/call-export.service.js';
import { csvDownload } from '../csv-download.js';
import type { Uuid } from '../ids.dto.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';

/** What one record of the results stands for. */
export type ResultsPer = 'contact' | 'attempt';

/** A campaign's results as CSV, for spreadsheets and other tools. */
@Route('api/v1/campaigns')
@Tags('Campaigns')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class CampaignResultsController extends Controller {
  constructor(private readonly exports: CallExportService) {
    super();
  }

  /**
   * The campaign's results as one CSV download (`text/csv; charset=utf-8`, RFC 4180),
   * streamed. `per=contact` (default): one record per contact, in its list's file order,
   * with its final `outcome` (empty while it has none), `attempt` (attempts made so far),
   * the call columns of its last journalled attempt, `contact_line` and `contact_state`.
   * `per=attempt`: one record per attempt, as `GET /api/v1/calls/export?campaignId=`. Both
   * have the columns of the journal export (`call_id`, …, `recording_url`), then one per
   * contact variable; formula-like text starts with `'`.
   * @param id Campaign id (uuid).
   * @param per `contact` (default) or `attempt`.
   */
  @Get('{id}/results')
  @Produces('text/csv')
  @Response<ProblemDetails>(404, 'No such campaign')
  @Response<ProblemDetails>(422, 'An invalid `per`')
  public async downloadCampaignResults(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() per?: ResultsPer,
  ): Promise<Readable> {
    const principal = principalOf(req);
    const download =
      per === 'attempt'
        ? await this.exports.campaignAttempts(principal, id)
        : await this.exports.campaignContacts(principal, id);
    return csvDownload(req, this, download);
  }
}
