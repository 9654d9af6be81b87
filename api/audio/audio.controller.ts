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
import type { DownloadFormat } from '../downloads/format-negotiation.js';
import { negotiateFormat, sendDownload } from '../downloads/send-download.js';
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
   * playback form: `audio/wav` (8 kHz mono 16-bit PCM) or `audio/mpeg` (MP3 at 32 kbit/s,
   * 8 kHz mono; LAME, encoded on the first download and kept). The prepared form's type is
   * picked by `format`, else by `Accept` (WAV unless `audio/mpeg` is preferred); an `Accept`
   * that takes neither is 406. One HTTP byte range (`Range: bytes=0-1023`, `bytes=1024-`,
   * `bytes=-1024`) is served with 206; a range starting past the end is 416.
   * @param id Audio id (uuid).
   * @param variant Which file; default `prepared`.
   * @param format The prepared form as `wav` or `mp3`; wins over `Accept`. Not with `variant=original` (422).
   */
  @Get('{id}/download')
  @Response<ProblemDetails>(404, 'No such audio message')
  @Response<ProblemDetails>(406, '`Accept` takes neither `audio/wav` nor `audio/mpeg` (and no `format` was given)')
  @Response<ProblemDetails>(416, 'The range starts past the end of the file')
  @Response<ProblemDetails>(422, 'An unknown `variant` or `format`, or a `format` with `variant=original`')
  @Response<ProblemDetails>(503, 'Object storage unavailable, or every MP3 encoder busy (`Retry-After`)')
  public async downloadAudio(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() variant: AudioVariant = 'prepared',
    @Query() format?: DownloadFormat,
  ): Promise<Readable> {
    const chosen = variant === 'original' ? format : negotiateFormat(req, format);
    const download = await this.audio.download(principalOf(req), id, variant, chosen, req.header('range'));
    return sendDownload(this, req, download.file, download);
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
