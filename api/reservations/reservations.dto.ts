/** A reservation as the API shows it. */
export interface ReservationView {
  /** @format uuid */
  id: string;
  /** Who reserved. @format uuid */
  ownerId: string;
  /**
   * The department holding the numbers (the owner's when it reserved); null: the owner
   * alone holds them (a user without a department).
   */
  departmentId: string | null;
  /** Until when the numbers are held. */
  until: Date;
  /** `until` is still ahead: other departments' campaigns skip these numbers. */
  active: boolean;
  /** How many numbers it holds. */
  phoneCount: number;
  /** The numbers (E.164), sorted; the first 1000 on a list page, all on `GET /reservations/{id}`. */
  phones: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateReservationRequest {
  /**
   * Numbers in any usual form, normalised to E.164 as contact lists are (1 to 10000; give
   * this or `contactListId`).
   * @maxItems 10000
   */
  phones?: string[];
  /** ISO 3166-1 alpha-2 country for numbers without an international prefix (e.g. `DE`). */
  defaultCountry?: string;
  /**
   * Reserve every number of this contact list (at most 10000) instead of `phones`.
   * @format uuid
   */
  contactListId?: string;
  /** Until when (ISO 8601 with offset), in the future and at most 90 days ahead. */
  until: Date;
}

export interface UpdateReservationRequest {
  /** The new end (ISO 8601): in the future, at most 90 days ahead. Extends or shortens it. */
  until: Date;
}

export interface ReservationPage {
  /** Newest first. */
  items: ReservationView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}
