import type { Uuid } from '../ids.dto.js';
import type { Readable } from 'node:stream';
import {
  Controller,
  Delete,
  FormField,
  Get,
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
  UploadedFile,
} from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { clientGoneSignal } from '../client-gone.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { ContactImportService } from './contact-import.service.js';
import type { ContactListPage, ContactListView, ContactPage, ImportReport } from './contact-lists.dto.js';
import type { ContactListsService } from './contact-lists.service.js';

/** A file name safe inside a quoted Content-Disposition parameter. */
const fileNameOf = (name: string): string => name.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'contacts';

/** Contact lists: uploaded once, read by campaigns. Each belongs to its owner; administrators see all. */
@Route('api/v1/contact-lists')
@Tags('Contact lists')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class ContactListsController extends Controller {
  constructor(
    private readonly lists: ContactListsService,
    private readonly imports: ContactImportService,
  ) {
    super();
  }

  /**
   * Imports a CSV file or a plain list (one number per line) as a new contact list. Numbers
   * are normalised to E.164, duplicates (after the first) and invalid lines are counted,
   * not fatal; the response is the import report. All or nothing: an import that fails or
   * whose client disconnects leaves no list behind.
   * @param file CSV (`,` `;` tab or `|`) or plain text, UTF-8 (or Latin-1).
   * @param name The list's name; default: the file name without extension.
   * @param phoneColumn Header name or 1-based column number; default: detected from the header (`phone`, `number`, `tel`, `mobile`, `msisdn`, `Telefon`, …) or the values.
   * @param nameColumn Header name or 1-based column number; default: a header called `name` (or `nom`, `nombre`, …), if any.
   * @param defaultCountry ISO 3166-1 alpha-2 country for numbers without an international prefix (e.g. `DE`).
   * @param delimiter `,` `;` `|` or `tab`; default: detected.
   * @param hasHeader `true` or `false`; default: detected.
   */
  @Post()
  @SuccessResponse(201, 'Imported')
  @Response<ProblemDetails>(413, 'File larger than CONTACTS_MAX_UPLOAD_BYTES')
  @Response<ProblemDetails>(422, 'Invalid options, or a file without usable rows')
  @Response<ProblemDetails>(429, 'As many uploads in progress as allowed (maxUploadsInFlight); Retry-After')
  public async importContactList(
    @Request() req: ExpressRequest,
    @UploadedFile() file: Express.Multer.File,
    @FormField() name?: string,
    @FormField() phoneColumn?: string,
    @FormField() nameColumn?: string,
    @FormField() defaultCountry?: string,
    @FormField() delimiter?: string,
    @FormField() hasHeader?: string,
  ): Promise<ImportReport> {
    const report = await this.imports.import(
      principalOf(req),
      file,
      { name, phoneColumn, nameColumn, defaultCountry, delimiter, hasHeader },
      clientGoneSignal(req),
    );
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/contact-lists/${report.id}`);
    return report;
  }

  /**
   * The caller's lists (an administrator's: everyone's), newest first, with their counts.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit or cursor')
  public async listContactLists(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<ContactListPage> {
    return this.lists.list(principalOf(req), limit, after);
  }

  /**
   * One contact list with its import counts and a sample of invalid lines.
   * @param id Contact list id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such contact list')
  public async getContactList(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<ContactListView> {
    return this.lists.get(principalOf(req), id);
  }

  /**
   * The list's contacts in file order, a page at a time.
   * @param id Contact list id (uuid).
   * @param limit Page size, 1–1000.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 1000
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get('{id}/contacts')
  @Response<ProblemDetails>(404, 'No such contact list')
  @Response<ProblemDetails>(422, 'Invalid limit or cursor')
  public async listContacts(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() limit = 100,
    @Query() after?: string,
  ): Promise<ContactPage> {
    return this.lists.contacts(principalOf(req), id, limit, after);
  }

  /**
   * Every invalid line of the import as CSV: `line,raw,reason`.
   * @param id Contact list id (uuid).
   */
  @Get('{id}/invalid')
  @Produces('text/csv')
  @Response<ProblemDetails>(404, 'No such contact list')
  public async downloadInvalidLines(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<Readable> {
    const { list, csv, bytes } = await this.lists.invalidLinesCsv(principalOf(req), id);
    // A failure midway can no longer become a problem response: cut the connection instead.
    csv.once('error', () => req.res?.destroy());
    req.res?.once('close', () => csv.destroy());
    this.setHeader('Content-Type', 'text/csv; charset=utf-8');
    this.setHeader('Content-Length', String(bytes));
    this.setHeader('Content-Disposition', `attachment; filename="${fileNameOf(list.name)}-invalid.csv"`);
    return csv;
  }

  /** Deletes the list with its contacts. @param id Contact list id (uuid). */
  @Delete('{id}')
  @SuccessResponse(204, 'Deleted')
  @Response<ProblemDetails>(404, 'No such contact list')
  public async deleteContactList(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.lists.remove(principalOf(req), id);
    this.setStatus(204);
  }
}
