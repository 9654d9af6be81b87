import { Body, Controller, Path, Put, Request, Response, Route, Security, Tags } from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import type { Uuid } from '../ids.dto.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type { SharingRequest, SharingView } from './sharing.dto.js';
import type { SharingService } from './sharing.service.js';

/**
 * Sharing with the owner's department (docs/departments.md): members of the department see a
 * shared object and may use it in their own campaigns; only the owner (or an administrator)
 * changes, un-shares or deletes it. One route per kind of object, all alike.
 */
@Route('api/v1')
@Tags('Sharing')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
@Response<ProblemDetails>(403, 'Shared with your department, but not yours')
@Response<ProblemDetails>(404, 'No such object')
@Response<ProblemDetails>(422, 'The owner belongs to no department')
export class SharingController extends Controller {
  constructor(private readonly sharing: SharingService) {
    super();
  }

  /**
   * Shares the trunk with its owner's department, or stops sharing it.
   * @param id Trunk id (uuid).
   */
  @Put('trunks/{id}/sharing')
  public async shareTrunk(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: SharingRequest,
  ): Promise<SharingView> {
    return this.sharing.setShared(principalOf(req), 'trunk', id, body.shared);
  }

  /**
   * Shares the audio message with its owner's department, or stops sharing it.
   * @param id Audio id (uuid).
   */
  @Put('audio/{id}/sharing')
  public async shareAudio(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: SharingRequest,
  ): Promise<SharingView> {
    return this.sharing.setShared(principalOf(req), 'audio', id, body.shared);
  }

  /**
   * Shares the contact list with its owner's department, or stops sharing it.
   * @param id Contact list id (uuid).
   */
  @Put('contact-lists/{id}/sharing')
  public async shareContactList(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: SharingRequest,
  ): Promise<SharingView> {
    return this.sharing.setShared(principalOf(req), 'contactList', id, body.shared);
  }

  /**
   * Shares the campaign with its owner's department (members read it; its calls, results
   * and controls stay the owner's), or stops sharing it.
   * @param id Campaign id (uuid).
   */
  @Put('campaigns/{id}/sharing')
  public async shareCampaign(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: SharingRequest,
  ): Promise<SharingView> {
    return this.sharing.setShared(principalOf(req), 'campaign', id, body.shared);
  }

  /**
   * Shares the blocklist entry with its owner's department, or stops sharing it: a shared
   * entry keeps every member's campaigns from dialling the number.
   * @param id Blocklist entry id (uuid).
   */
  @Put('blocklist/{id}/sharing')
  public async shareBlocklistEntry(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: SharingRequest,
  ): Promise<SharingView> {
    return this.sharing.setShared(principalOf(req), 'blocklist', id, body.shared);
  }

  /**
   * Shares the webhook with its owner's department, or stops sharing it: members see it;
   * it still receives the events of its owner's campaigns only.
   * @param id Webhook id (uuid).
   */
  @Put('webhooks/{id}/sharing')
  public async shareWebhook(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: SharingRequest,
  ): Promise<SharingView> {
    return this.sharing.setShared(principalOf(req), 'webhook', id, body.shared);
  }
}
