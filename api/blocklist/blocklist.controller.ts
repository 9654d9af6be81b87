import type { Uuid } from '../ids.dto.js';
import {
  Body,
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
import type { Request as ExpressRequest } from 'express';
import { clientGoneSignal } from '../client-gone.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { BlocklistUploadService } from './blocklist-upload.service.js';
import type {
  AddBlocklistEntryRequest,
  BlocklistEntryView,
  BlocklistPage,
  BlocklistUploadReport,
} from './blocklist.dto.js';
import type { BlocklistService } from './blocklist.service.js';

/**
 * Numbers your campaigns never call. Checked right before every call attempt, so a number
 * added while a campaign runs is not called again: its next attempt is journalled `blocked`.
 * A campaign's opt-out key adds numbers here too (reason `opt_out`). Each owner has a list of
 * their own; administrators see everyone's.
 */
@Route('api/v1/blocklist')
@Tags('Blocklist')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class BlocklistController extends Controller {
  constructor(
    private readonly blocklist: BlocklistService,
    private readonly uploads: BlocklistUploadService,
  ) {
    super();
  }

  /**
   * Adds a number (reason `manual`). Idempotent: a number already on your list answers 200
   * with its entry unchanged; a new one 201.
   */
  @Post()
  @SuccessResponse(201, 'Added')
  @Response<BlocklistEntryView>(200, 'Already on the list (entry unchanged)')
  @Response<ProblemDetails>(422, 'Not a usable phone number (or default country)')
  public async addBlocklistEntry(
    @Request() req: ExpressRequest,
    @Body() body: AddBlocklistEntryRequest,
  ): Promise<BlocklistEntryView> {
    const { entry, created } = await this.blocklist.add(principalOf(req), body);
    this.setStatus(created ? 201 : 200);
    this.setHeader('Location', `/api/v1/blocklist/${entry.id}`);
    return entry;
  }

  /**
   * Adds every number of a file (reason `upload`), read like a contact list: CSV or one number
   * per line, normalised to E.164. Duplicates, numbers already listed and invalid lines are
   * counted, not fatal. All or nothing: a failed upload adds no number.
   * @param file CSV (`,` `;` tab or `|`) or plain text, UTF-8 (or Latin-1).
   * @param phoneColumn Header name or 1-based column number; default: detected.
   * @param defaultCountry ISO 3166-1 alpha-2 country for numbers without an international prefix (e.g. `DE`).
   * @param delimiter `,` `;` `|` or `tab`; default: detected.
   * @param hasHeader `true` or `false`; default: detected.
   * @param note Stored on every entry added, at most 500 characters.
   */
  @Post('upload')
  @SuccessResponse(200, 'Uploaded')
  @Response<ProblemDetails>(413, 'File larger than CONTACTS_MAX_UPLOAD_BYTES')
  @Response<ProblemDetails>(422, 'Invalid options, or a file without usable rows')
  @Response<ProblemDetails>(429, 'As many uploads in progress as allowed (maxUploadsInFlight); Retry-After')
  public async uploadBlocklist(
    @Request() req: ExpressRequest,
    @UploadedFile() file: Express.Multer.File,
    @FormField() phoneColumn?: string,
    @FormField() defaultCountry?: string,
    @FormField() delimiter?: string,
    @FormField() hasHeader?: string,
    @FormField() note?: string,
  ): Promise<BlocklistUploadReport> {
    return this.uploads.upload(
      principalOf(req),
      file,
      { phoneColumn, defaultCountry, delimiter, hasHeader, note },
      clientGoneSignal(req),
    );
  }

  /**
   * Your entries (an administrator's: everyone's), newest first, a page at a time.
   * @param limit Page size, 1–1000.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 1000
   * @param after Cursor from the previous page's `nextCursor`.
   * @param phone Only this number, in any usual form (normalised like `POST`).
   * @param defaultCountry Country for a national `phone`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit, cursor or phone')
  public async listBlocklist(
    @Request() req: ExpressRequest,
    @Query() limit = 100,
    @Query() after?: string,
    @Query() phone?: string,
    @Query() defaultCountry?: string,
  ): Promise<BlocklistPage> {
    return this.blocklist.list(principalOf(req), { limit, after, phone, defaultCountry });
  }

  /**
   * One blocklist entry.
   * @param id Blocklist entry id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such entry')
  public async getBlocklistEntry(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<BlocklistEntryView> {
    return this.blocklist.get(principalOf(req), id);
  }

  /**
   * Takes the number off the list: campaigns may call it again from their next attempt on.
   * An opt-out (reason `opt_out`) only an administrator may remove; the removal is logged.
   * @param id Blocklist entry id (uuid).
   */
  @Delete('{id}')
  @SuccessResponse(204, 'Removed')
  @Response<ProblemDetails>(403, 'An opt-out: only an administrator may remove it')
  @Response<ProblemDetails>(404, 'No such entry')
  public async deleteBlocklistEntry(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.blocklist.remove(principalOf(req), id);
    this.setStatus(204);
  }
}
