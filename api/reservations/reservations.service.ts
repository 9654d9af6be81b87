/**
 * Reservations: numbers a department keeps for itself until a time; other departments'
 * campaigns skip them at dial time (activities/policy-rules/reservation.ts). The holder is
 * the caller's department, or the caller alone when they belong to none. Only the holder's
 * members (and its managers, and administrators) see or change a reservation; to anyone
 * else it does not exist (404). Statements: db/reservations.ts.
 */
import { randomUUID } from 'node:crypto';
import { isAdmin, type Principal } from '../../auth/principal.js';
import { isE164, normalisePhone, toCountryCode, type PhoneResult } from '../../contacts/phone.js';
import {
  contactListPhones,
  deleteReservation,
  findReservation,
  insertReservation,
  listReservations,
  reservationPhones,
  setReservationUntil,
  type ReservationRow,
  type ReservationViewer,
} from '../../db/reservations.js';
import { inTransaction, type Pool } from '../../db/sql.js';
import { NotFoundError, ValidationError, type FieldError } from '../../lib/errors.js';
import { decodeCursor, encodeCursor, isUuid, keysetPage } from '../keyset-cursor.js';
import type {
  CreateReservationRequest,
  ReservationPage,
  ReservationView,
  UpdateReservationRequest,
} from './reservations.dto.js';

/** Numbers one reservation may hold (a request's `phones`, or a contact list). */
export const MAX_RESERVED_PHONES = 10_000;
/** How far ahead a reservation may end. */
export const MAX_RESERVATION_DAYS = 90;
/** Invalid numbers named in one 422. */
const MAX_PHONE_ERRORS = 20;
/** Numbers shown per reservation on a list page. */
const LIST_PHONES = 1000;

const viewerOf = (p: Principal): ReservationViewer => ({
  userId: p.userId,
  departmentId: p.departmentId,
  managedDepartmentIds: p.managedDepartmentIds,
  admin: isAdmin(p),
});

/** `until` in the future and at most {@link MAX_RESERVATION_DAYS} ahead; 422 naming `body.until` otherwise. */
export function checkUntil(until: Date, now = new Date()): Date {
  const max = now.getTime() + MAX_RESERVATION_DAYS * 86_400_000;
  if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) {
    throw new ValidationError([{ field: 'body.until', message: 'must be a time in the future' }]);
  }
  if (until.getTime() > max) {
    throw new ValidationError([{ field: 'body.until', message: `must be at most ${MAX_RESERVATION_DAYS} days ahead` }]);
  }
  return until;
}

/** The numbers in E.164, distinct; 422 naming each unusable one (`body.phones[i]`, the first 20). */
export function reservedPhones(phones: readonly string[], defaultCountry: string | undefined): string[] {
  const errors: FieldError[] = [];
  const country = defaultCountry?.trim() ? toCountryCode(defaultCountry) : undefined;
  if (defaultCountry?.trim() && !country) {
    errors.push({ field: 'body.defaultCountry', message: 'not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, US)' });
  }
  if (phones.length === 0 || phones.length > MAX_RESERVED_PHONES) {
    errors.push({ field: 'body.phones', message: `must hold 1 to ${MAX_RESERVED_PHONES} numbers` });
  }
  const out = new Set<string>();
  phones.forEach((raw, i) => {
    const result: PhoneResult = typeof raw === 'string' && raw.length <= 64 ? normalisePhone(raw, country) : 'too-long';
    if (isE164(result)) out.add(result);
    else if (errors.length < MAX_PHONE_ERRORS) {
      errors.push({ field: `body.phones[${i}]`, message: `not a phone number we can dial (${result})` });
    }
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return [...out];
}

export class ReservationsService {
  constructor(private readonly pool: Pool) {}

  async create(principal: Principal, body: CreateReservationRequest): Promise<ReservationView> {
    const until = checkUntil(new Date(body.until));
    const phones = await this.phonesOf(principal, body);
    const id = randomUUID();
    await inTransaction(this.pool, (client) =>
      insertReservation(client, { id, ownerId: principal.userId, departmentId: principal.departmentId, until, phones }),
    );
    return this.get(principal, id);
  }

  async get(principal: Principal, id: string): Promise<ReservationView> {
    const row = await this.find(principal, id);
    return this.view(row, await reservationPhones(this.pool, row.id, MAX_RESERVED_PHONES));
  }

  async list(principal: Principal, query: { limit: number; after?: string }): Promise<ReservationPage> {
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    const rows = await listReservations(this.pool, viewerOf(principal), {
      limit: query.limit,
      ...(after ? { after } : {}),
    });
    const page = keysetPage(
      rows,
      query.limit,
      (r) => r,
      (r) => encodeCursor({ createdAt: r.created_at, id: r.id }),
    );
    const items = await Promise.all(
      page.items.map(async (r) => this.view(r, await reservationPhones(this.pool, r.id, LIST_PHONES))),
    );
    return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  async update(principal: Principal, id: string, body: UpdateReservationRequest): Promise<ReservationView> {
    const until = checkUntil(new Date(body.until));
    await this.find(principal, id);
    await setReservationUntil(this.pool, id, until);
    return this.get(principal, id);
  }

  /** Releases the numbers now: contacts other campaigns put off for it are due at once. */
  async remove(principal: Principal, id: string): Promise<void> {
    await this.find(principal, id);
    await inTransaction(this.pool, (client) => deleteReservation(client, id));
  }

  private async phonesOf(principal: Principal, body: CreateReservationRequest): Promise<string[]> {
    if ((body.phones === undefined) === (body.contactListId === undefined)) {
      const message = 'give either phones or contactListId';
      throw new ValidationError([
        { field: 'body.phones', message },
        { field: 'body.contactListId', message },
      ]);
    }
    if (body.phones !== undefined) return reservedPhones(body.phones, body.defaultCountry);
    const listId = body.contactListId ?? '';
    const phones = isUuid(listId)
      ? await contactListPhones(this.pool, viewerOf(principal), listId, MAX_RESERVED_PHONES + 1)
      : null;
    if (phones === null) throw new ValidationError([{ field: 'body.contactListId', message: 'no such contact list' }]);
    if (phones.length === 0 || phones.length > MAX_RESERVED_PHONES) {
      const message = `the list must hold 1 to ${MAX_RESERVED_PHONES} numbers`;
      throw new ValidationError([{ field: 'body.contactListId', message }]);
    }
    return phones;
  }

  private async find(principal: Principal, id: string): Promise<ReservationRow> {
    const row = isUuid(id) ? await findReservation(this.pool, viewerOf(principal), id) : undefined;
    if (!row) throw new NotFoundError(`Reservation ${id}`);
    return row;
  }

  private view(r: ReservationRow, phones: string[]): ReservationView {
    return {
      id: r.id,
      ownerId: r.owner_id,
      departmentId: r.department_id,
      until: r.until,
      active: r.until.getTime() > Date.now(),
      phoneCount: r.phone_count,
      phones,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}
