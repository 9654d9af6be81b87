import type { Uuid } from '../ids.dto.js';
import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Path, Post, Put, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { CallView } from './calls.dto.js';
import type { CallsService } from './calls.service.js';
import { parseExternalCall } from './external-call-input.js';
import type { AddExternalCallRequest } from './external-call.dto.js';
import type { JournalIngestService } from './journal-ingest.service.js';
import { tooLarge, withSpooledBody } from './recording-spool.js';
import type { UploadAdmission } from '../uploads.js';

/** Where recordings are spooled while they arrive, and how large one may be. */
export interface RecordingUploadLimits {
  readonly dir: string;
  readonly maxBytes: number;
}

/**
 * External calls: calls another PBX made, sent to the journal (by the `voicecast-agent`, or
 * any client with a token) so that one search, export and `private` rule covers every call.
 * Also over gRPC (`voicecast.journal.v1`, docs/api.md).
 */
@Route('api/v1/calls')
@Tags('Call journal')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class ExternalCallsController extends Controller {
  constructor(
    private readonly ingest: JournalIngestService,
    private readonly calls: CallsService,
    private readonly limits: RecordingUploadLimits,
    private readonly admission: UploadAdmission,
  ) {
    super();
  }

  /**
   * Adds a call another PBX made to your journal. Idempotent on (`source`, `externalId`):
   * the first request stores it (201, `Location`), the same call sent again answers the
   * stored one (200) and stores nothing; the same ids with other data are a 409 (a stored
   * external call does not change; its tags and `private` flag can, with PATCH).
   * External calls have `source` set, no campaign, and `phone` the far party's number
   * (`from` for inbound, else `to`) for the search by number. The first store sends the
   * owner's webhooks `call.ingested` (a resend sends nothing); the statistics count them
   * apart, under `external`.
   */
  @Post()
  @SuccessResponse(201, 'Stored')
  @Response<CallView>(200, 'Already stored: the same call was sent before')
  @Response<ProblemDetails>(409, 'The same source and externalId were stored with other data')
  @Response<ProblemDetails>(422, 'An invalid field (named in `errors`)')
  public async addExternalCall(
    @Request() req: ExpressRequest,
    @Body() body: AddExternalCallRequest,
  ): Promise<CallView> {
    const call = parseExternalCall(body, 'body.');
    const result = await this.ingest.addCall(principalOf(req), call);
    if (result.created) {
      this.setStatus(201);
      this.setHeader('Location', `/api/v1/calls/${result.call.id}`);
    } else this.setStatus(200);
    return result.call;
  }

  /**
   * Uploads an external call's recording: the body is the WAV file (`audio/wav` or `application/octet-stream`; PCM,
   * µ-law, A-law, float or ADPCM, 8–192 kHz), at most INGEST_RECORDING_MAX_BYTES. Stored in
   * object storage like our own recordings and downloaded the same way (a `private` call's
   * never). Idempotent: the same file again is a 200; another file for a call that has one
   * is a 409. Only external calls take an upload (ours are recorded by the worker). The first
   * store sends the owner's webhooks `recording.uploaded`, marked with the call's `source`.
   * @param id Call id (uuid).
   */
  @Put('{id}/recording')
  @SuccessResponse(201, 'Stored')
  @Response<CallView>(200, 'The same recording was stored before')
  @Response<ProblemDetails>(404, 'No such call')
  @Response<ProblemDetails>(409, 'Not an external call, or it has another recording')
  @Response<ProblemDetails>(413, 'Larger than INGEST_RECORDING_MAX_BYTES')
  @Response<ProblemDetails>(422, 'The body is not a WAV file we can read, or is empty')
  @Response<ProblemDetails>(
    429,
    'As many uploads of yours in progress as allowed (maxUploadsInFlight); retry after `Retry-After`',
  )
  @Response<ProblemDetails>(503, 'Object storage unavailable; retry later')
  public async uploadRecording(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<CallView> {
    const principal = principalOf(req);
    const { dir, maxBytes } = this.limits;
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw tooLarge(maxBytes);
    // The call is checked before a byte is read: another tenant's id is a 404 at once, ours a 409.
    await this.ingest.uploadTarget(principal, id);
    // One of the owner's uploads in flight (maxUploadsInFlight, 429 beyond), like multipart uploads.
    const release = await this.admission.admit(principal.userId);
    let created: boolean;
    try {
      ({ created } = await withSpooledBody(req, dir, maxBytes, (file) =>
        this.ingest.storeRecording(principal, id, file, 'body'),
      ));
    } finally {
      release();
    }
    if (created) {
      this.setStatus(201);
      this.setHeader('Location', `/api/v1/calls/${id}/recording`);
    } else this.setStatus(200);
    return this.calls.get(principal, id);
  }
}
