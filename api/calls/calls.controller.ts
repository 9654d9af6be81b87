import type { Uuid } from '../ids.dto.js';
import type { Readable } from 'node:stream';
import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Get, Patch, Path, Produces, Query, Request, Response, Route, Security, Tags } from 'tsoa';
import { AppError } from '../../lib/errors.js';
import { attachmentDisposition } from '../audio/audio-http.js';
import { FORMAT_MEDIA_TYPES, type DownloadFormat } from '../downloads/format-negotiation.js';
import { negotiateFormat, sendDownload } from '../downloads/send-download.js';
import type { AttemptOutcome } from '../../campaign/outcomes.js';
import { csvDownload } from '../csv-download.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { CallExportService } from './call-export.service.js';
import type { CallPage, CallView, UpdateCallRequest } from './calls.dto.js';
import type { CallsService } from './calls.service.js';

/**
 * The call journal: one entry per call attempt of a campaign, written when the attempt
 * ends. Yours, or everyone's for an administrator; anyone else's answers 404.
 */
@Route('api/v1/calls')
@Tags('Call journal')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class CallsController extends Controller {
  constructor(
    private readonly calls: CallsService,
    private readonly exports: CallExportService,
  ) {
    super();
  }

  /**
   * Searches the journal, newest first (by INVITE time, then id), a page at a time. The
   * filters combine.
   * @param phone The number called, in any usual form (`+49 30 1234567`, `0049…`, or a
   * national number with `defaultCountry`); compared in E.164.
   * @param defaultCountry ISO 3166-1 alpha-2 country for a `phone` without an international prefix (e.g. `DE`).
   * @param from Calls placed at or after this instant: ISO 8601 with a UTC offset, e.g. `2026-12-01T09:00:00+01:00`.
   * @param to Calls placed before this instant (exclusive); same form as `from`.
   * @param campaignId Calls of this campaign (uuid).
   * @param outcome Calls that ended so.
   * @param limit Page size, 1–500 (default 50).
   * @isInt limit
   * @param after Cursor from the previous page's `nextCursor` (same filters).
   */
  @Get()
  @Response<ProblemDetails>(422, 'An invalid filter, limit or cursor (named in `errors`)')
  public async listCalls(
    @Request() req: ExpressRequest,
    @Query() phone?: string,
    @Query() defaultCountry?: string,
    @Query() from?: string,
    @Query() to?: string,
    @Query() campaignId?: string,
    @Query() outcome?: AttemptOutcome,
    @Query() limit?: number,
    @Query() after?: string,
  ): Promise<CallPage> {
    return this.calls.list(principalOf(req), { phone, defaultCountry, from, to, campaignId, outcome, limit, after });
  }

  /**
   * Every attempt the journal search finds, as one CSV download (`text/csv; charset=utf-8`,
   * RFC 4180: CRLF line ends, a field quoted when it holds `"`, `,`, CR or LF), newest first,
   * streamed however many rows there are. Columns: `call_id`, `campaign_id`, `phone`,
   * `attempt`, `outcome`, `sip_code`, `sip_reason`, `started_at`, `answered_at`, `ended_at`
   * (ISO 8601 UTC), `talk_ms`, `dtmf` (the digits pressed), `amd_verdict`, `amd_cause`,
   * `amd_decision_ms` (answering-machine detection, empty when off), `trunks` (each trunk tried,
   * `<trunkId>:<sipCode>`, `;`-separated, `-` for no answer), `recording_url` (this API's
   * download of the recording), then one column per contact variable (the union of the
   * names in the export, in code point order). Text from callees and contact lists that a
   * spreadsheet would take for a formula (a leading `=` `+` `-` `@`, tab or CR) starts with `'`.
   * @param phone The number called, in any usual form; compared in E.164.
   * @param defaultCountry ISO 3166-1 alpha-2 country for a `phone` without an international prefix (e.g. `DE`).
   * @param from Calls placed at or after this instant: ISO 8601 with a UTC offset.
   * @param to Calls placed before this instant (exclusive); same form as `from`.
   * @param campaignId Calls of this campaign (uuid).
   * @param outcome Calls that ended so.
   */
  @Get('export')
  @Produces('text/csv')
  @Response<ProblemDetails>(422, 'An invalid filter (named in `errors`)')
  public async exportCalls(
    @Request() req: ExpressRequest,
    @Query() phone?: string,
    @Query() defaultCountry?: string,
    @Query() from?: string,
    @Query() to?: string,
    @Query() campaignId?: string,
    @Query() outcome?: AttemptOutcome,
  ): Promise<Readable> {
    const download = await this.exports.journal(principalOf(req), {
      phone,
      defaultCountry,
      from,
      to,
      campaignId,
      outcome,
    });
    return csvDownload(req, this, download);
  }

  /**
   * One call attempt from the journal.
   * @param id Call id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such call')
  public async getCall(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<CallView> {
    return this.calls.get(principalOf(req), id);
  }

  /**
   * Sets the call's tags and private flag (the fields given).
   * @param id Call id (uuid).
   */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such call')
  @Response<ProblemDetails>(422, 'Invalid tags or flag')
  public async updateCall(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateCallRequest,
  ): Promise<CallView> {
    return this.calls.update(principalOf(req), id, body);
  }

  /**
   * The call's recording (what the callee's side sent): `audio/wav`, 8 kHz mono 16-bit PCM,
   * or `audio/mpeg`, MP3 at 32 kbit/s (8 kHz mono; LAME, encoded on the first download and
   * kept). Pick by `format`, else by `Accept` (WAV unless `audio/mpeg` is preferred); an
   * `Accept` that takes neither is 406. Supports one HTTP byte range (`Range: bytes=0-1023`,
   * `bytes=1024-`, `bytes=-1024`) with 206, of the form sent; a range starting past the end
   * is 416.
   * @param id Call id (uuid).
   * @param format `wav` or `mp3`; wins over `Accept`.
   */
  @Get('{id}/recording')
  @Response<ProblemDetails>(403, 'The call is private')
  @Response<ProblemDetails>(404, 'No such call, or the call has no recording, or its recording is lost')
  @Response<ProblemDetails>(406, '`Accept` takes neither `audio/wav` nor `audio/mpeg` (and no `format` was given)')
  @Response<ProblemDetails>(
    409,
    'The recording is not stored yet (`recordingState` pending: it waits on the worker for object storage); retry after `Retry-After` seconds',
  )
  @Response<ProblemDetails>(416, 'The range starts past the end of the recording')
  @Response<ProblemDetails>(503, 'Object storage unavailable, or every MP3 encoder busy (`Retry-After`)')
  public async downloadRecording(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() format?: DownloadFormat,
  ): Promise<Readable> {
    const chosen = negotiateFormat(req, format);
    const download = await this.calls.recording(principalOf(req), id, req.header('range'), chosen);
    if (download.kind === 'pending') {
      req.res?.setHeader('Retry-After', String(download.retryAfterSeconds));
      throw new AppError(
        409,
        'recording-pending',
        'Recording not stored yet',
        'The recording is kept by the worker until object storage takes it; retry later.',
      );
    }
    return sendDownload(this, req, download, {
      contentType: FORMAT_MEDIA_TYPES[chosen],
      disposition: attachmentDisposition(`call-${id}.${chosen}`),
    });
  }
}
