import type { Uuid } from '../ids.dto.js';
import type { Readable } from 'node:stream';
import type { Request as ExpressRequest } from 'express';
import {
  Controller,
  Delete,
  FormField,
  Get,
  Path,
  Post,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
  UploadedFile,
} from 'tsoa';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { AudioPage, AudioVariant, AudioView } from './audio.dto.js';
import type { AudioService } from './audio.service.js';

/** Audio messages: uploaded once, converted to 8 kHz mono for playback over G.711. */
@Route('api/v1/audio')
@Tags('Audio messages')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class AudioController extends Controller {
  constructor(private readonly audio: AudioService) {
    super();
  }

  /**
   * Uploads an audio message (multipart/form-data). Accepted: WAV (PCM 8–32 bit, float,
   * extensible, µ-law, A-law, IMA/MS ADPCM), MP3, FLAC, Ogg Vorbis, Ogg Opus, Ogg FLAC — the
   * format is detected from the bytes, not the file name. The file is converted once to the
   * playback form (8 kHz mono 16-bit PCM WAV, anti-alias filtered, loudness-normalised when
   * the server is configured so); original and prepared file are both kept.
   * @param file The audio file.
   * @param name Display name, 1–200 characters; defaults to the file name without extension.
   */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(413, 'Larger than the audio upload limit')
  @Response<ProblemDetails>(415, 'Not a supported audio format')
  @Response<ProblemDetails>(422, 'Missing file, or truncated, corrupt, empty or too long audio')
  @Response<ProblemDetails>(503, 'Conversion queue full or object storage unavailable')
  @Response<ProblemDetails>(429, 'As many uploads in progress as allowed (maxUploadsInFlight); Retry-After')
  public async uploadAudio(
    @Request() req: ExpressRequest,
    @UploadedFile() file: Express.Multer.File,
    @FormField() name?: string,
  ): Promise<AudioView> {
    // tsoa passes undefined when the part is missing, although the parameter is declared required.
    const audio = await this.audio.upload(principalOf(req), file, name);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/audio/${audio.id}`);
    return audio;
  }

  /**
   * Lists audio messages, newest first: your own, or everyone's for an administrator.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  public async listAudio(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<AudioPage> {
    return this.audio.list(principalOf(req), limit, after);
  }

  /**
   * One audio message with its analysis.
   * @param id Audio id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such audio message')
  public async getAudio(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<AudioView> {
    return this.audio.get(principalOf(req), id);
  }

  /**
   * Downloads the original upload (its detected type, e.g. `audio/mpeg`) or the prepared
   * playback form (`audio/wav`, 8 kHz mono 16-bit PCM).
   * @param id Audio id (uuid).
   * @param variant Which file; default `prepared`.
   */
  @Get('{id}/download')
  @Response<ProblemDetails>(404, 'No such audio message')
  public async downloadAudio(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() variant: AudioVariant = 'prepared',
  ): Promise<Readable> {
    const download = await this.audio.download(principalOf(req), id, variant);
    // A storage failure mid-stream must end the response, not leave it hanging half-sent.
    download.stream.once('error', (err) => req.res?.destroy(err));
    this.setHeader('Content-Type', download.contentType);
    this.setHeader('Content-Length', String(download.size));
    this.setHeader('Content-Disposition', download.disposition);
    return download.stream;
  }

  /** Deletes the message and both stored files. @param id Audio id (uuid). */
  @Delete('{id}')
  @SuccessResponse(204, 'Deleted')
  @Response<ProblemDetails>(404, 'No such audio message')
  public async deleteAudio(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.audio.delete(principalOf(req), id);
    this.setStatus(204);
  }
}
