import type { Uuid } from '../ids.dto.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  Patch,
  Path,
  Post,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
} from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type {
  CreateReservationRequest,
  ReservationPage,
  ReservationView,
  UpdateReservationRequest,
} from './reservations.dto.js';
import type { ReservationsService } from './reservations.service.js';

/**
 * Numbers your department keeps for itself until a time: other departments' campaigns skip
 * them when they are about to dial (journalled `reserved`, no attempt used) and call them
 * once the reservation ends or is released; your department's campaigns call them as usual.
 * Without a department, a reservation is yours alone. Only your department's members (and
 * its managers, and administrators) see or change it.
 */
@Route('api/v1/reservations')
@Tags('Reservations')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
export class ReservationsController extends Controller {
  constructor(private readonly reservations: ReservationsService) {
    super();
  }

  /** Reserves numbers (`phones`, or every number of `contactListId`) until `until`. */
  @Post()
  @SuccessResponse(201, 'Reserved')
  @Response<ProblemDetails>(422, 'Invalid numbers, list or until')
  public async createReservation(
    @Request() req: ExpressRequest,
    @Body() body: CreateReservationRequest,
  ): Promise<ReservationView> {
    const view = await this.reservations.create(principalOf(req), body);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/reservations/${view.id}`);
    return view;
  }

  /**
   * Your department's reservations (an administrator's: all), newest first, expired ones
   * included until released.
   * @param limit Page size, 1–100.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 100
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid limit or cursor')
  public async listReservations(
    @Request() req: ExpressRequest,
    @Query() limit = 20,
    @Query() after?: string,
  ): Promise<ReservationPage> {
    return this.reservations.list(principalOf(req), { limit, after });
  }

  /**
   * One reservation, with all its numbers.
   * @param id Reservation id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such reservation of your department')
  public async getReservation(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<ReservationView> {
    return this.reservations.get(principalOf(req), id);
  }

  /**
   * Moves the reservation's end (`until`: in the future, at most 90 days ahead).
   * @param id Reservation id (uuid).
   */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such reservation of your department')
  @Response<ProblemDetails>(422, 'Invalid until')
  public async updateReservation(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateReservationRequest,
  ): Promise<ReservationView> {
    return this.reservations.update(principalOf(req), id, body);
  }

  /**
   * Releases the numbers now: contacts other campaigns put off for them are due again at once.
   * @param id Reservation id (uuid).
   */
  @Delete('{id}')
  @SuccessResponse(204, 'Released')
  @Response<ProblemDetails>(404, 'No such reservation of your department')
  public async deleteReservation(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.reservations.remove(principalOf(req), id);
    this.setStatus(204);
  }
}
