import {
  Body,
  Controller,
  Delete,
  Get,
  Patch,
  Path,
  Post,
  Put,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
} from 'tsoa';
import type { Request as ExpressRequest } from 'express';
import type { Uuid } from '../ids.dto.js';
import { principalOf } from '../principal-of.js';
import type { ProblemDetails } from '../problem.js';
import type {
  CreateDepartmentRequest,
  DepartmentMemberPage,
  DepartmentMemberView,
  DepartmentPage,
  DepartmentView,
  UpdateDepartmentRequest,
} from './departments.dto.js';
import type { DepartmentsService } from './departments.service.js';

/**
 * Departments: teams of users that share trunks, audio, lists, campaigns, blocklist entries
 * and webhooks, with limits over all their members' campaigns (docs/departments.md).
 * Administrators do everything; a department's managers read it and its members and set its
 * limits; anyone else gets 403, and a department one does not manage is 404.
 */
@Route('api/v1/departments')
@Tags('Departments')
@Security('oauth2', ['api'])
@Response<ProblemDetails>(401, 'Missing, invalid or revoked token')
@Response<ProblemDetails>(403, 'Not an administrator (or, for reads and limits, a manager)')
export class DepartmentsController extends Controller {
  constructor(private readonly departments: DepartmentsService) {
    super();
  }

  /**
   * Departments by name: all of them for an administrator, the managed ones for a manager.
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get()
  @Response<ProblemDetails>(422, 'Invalid `limit` or `after`')
  public async listDepartments(
    @Request() req: ExpressRequest,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<DepartmentPage> {
    return this.departments.list(principalOf(req), limit, after);
  }

  /** Creates a department (administrators). Names are unique regardless of case. */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ProblemDetails>(409, 'Name taken')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async createDepartment(
    @Request() req: ExpressRequest,
    @Body() body: CreateDepartmentRequest,
  ): Promise<DepartmentView> {
    const department = await this.departments.create(principalOf(req), body);
    this.setStatus(201);
    this.setHeader('Location', `/api/v1/departments/${department.id}`);
    return department;
  }

  /**
   * One department.
   * @param id Department id (uuid).
   */
  @Get('{id}')
  @Response<ProblemDetails>(404, 'No such department (or not one you manage)')
  public async getDepartment(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<DepartmentView> {
    return this.departments.get(principalOf(req), id);
  }

  /**
   * Changes the limits (administrators and the department's managers) or the name
   * (administrators). `null` clears a limit.
   * @param id Department id (uuid).
   */
  @Patch('{id}')
  @Response<ProblemDetails>(404, 'No such department (or not one you manage)')
  @Response<ProblemDetails>(409, 'Name taken')
  @Response<ProblemDetails>(422, 'Invalid fields')
  public async updateDepartment(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Body() body: UpdateDepartmentRequest,
  ): Promise<DepartmentView> {
    return this.departments.update(principalOf(req), id, body);
  }

  /**
   * Deletes a department (administrators): everything shared with it is un-shared and its
   * members belong to no department, in one transaction.
   * @param id Department id (uuid).
   */
  @Delete('{id}')
  @SuccessResponse(204, 'Deleted')
  @Response<ProblemDetails>(404, 'No such department')
  public async deleteDepartment(@Request() req: ExpressRequest, @Path() id: Uuid): Promise<void> {
    await this.departments.delete(principalOf(req), id);
    this.setStatus(204);
  }

  /**
   * The department's members by username.
   * @param id Department id (uuid).
   * @param limit Page size, 1–200.
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 200
   * @param after Cursor from the previous page's `nextCursor`.
   */
  @Get('{id}/members')
  @Response<ProblemDetails>(404, 'No such department (or not one you manage)')
  @Response<ProblemDetails>(422, 'Invalid `limit` or `after`')
  public async listDepartmentMembers(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Query() limit = 50,
    @Query() after?: string,
  ): Promise<DepartmentMemberPage> {
    return this.departments.members(principalOf(req), id, limit, after);
  }

  /**
   * Puts a user in the department (administrators), moving them out of the one they were
   * in; what they shared with that one is un-shared.
   * @param id Department id (uuid).
   * @param userId User id (uuid).
   */
  @Put('{id}/members/{userId}')
  @Response<ProblemDetails>(404, 'No such department or user')
  public async addDepartmentMember(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Path() userId: Uuid,
  ): Promise<DepartmentMemberView> {
    return this.departments.addMember(principalOf(req), id, userId);
  }

  /**
   * Takes a user out of the department (administrators); what they shared with it is un-shared.
   * @param id Department id (uuid).
   * @param userId User id (uuid).
   */
  @Delete('{id}/members/{userId}')
  @SuccessResponse(204, 'Removed')
  @Response<ProblemDetails>(404, 'No such member')
  public async removeDepartmentMember(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Path() userId: Uuid,
  ): Promise<void> {
    await this.departments.removeMember(principalOf(req), id, userId);
    this.setStatus(204);
  }

  /**
   * Makes a user a manager of the department (administrators); idempotent.
   * @param id Department id (uuid).
   * @param userId User id (uuid).
   */
  @Put('{id}/managers/{userId}')
  @SuccessResponse(204, 'Manager')
  @Response<ProblemDetails>(404, 'No such department or user')
  public async addDepartmentManager(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Path() userId: Uuid,
  ): Promise<void> {
    await this.departments.addManager(principalOf(req), id, userId);
    this.setStatus(204);
  }

  /**
   * Takes a user off the department's managers (administrators).
   * @param id Department id (uuid).
   * @param userId User id (uuid).
   */
  @Delete('{id}/managers/{userId}')
  @SuccessResponse(204, 'Removed')
  @Response<ProblemDetails>(404, 'No such manager')
  public async removeDepartmentManager(
    @Request() req: ExpressRequest,
    @Path() id: Uuid,
    @Path() userId: Uuid,
  ): Promise<void> {
    await this.departments.removeManager(principalOf(req), id, userId);
    this.setStatus(204);
  }
}
