/**
 * `reservation` / `reservation_phone`: numbers a department (or a user without one) keeps
 * for itself until a time (api/reservations/, activities/policy-rules/reservation.ts), and
 * `policy_skip`, the journal of attempts a policy rule put back without a call.
 *
 * The holder of a reservation is its department, or its owner when `department_id` is null.
 * Who may see one: the holder's members (the owner alone for a personal one), the
 * department's managers, administrators; {@link visibleSql} is that rule in SQL.
 */
import type { Pool, PoolClient } from './sql.js';

export interface ReservationRow {
  id: string;
  owner_id: string;
  department_id: string | null;
  until: Date;
  phone_count: number;
  created_at: Date;
  updated_at: Date;
}

/** Who asks: an administrator sees all; the rest by holder. */
export interface ReservationViewer {
  readonly userId: string;
  readonly departmentId: string | null;
  readonly managedDepartmentIds: readonly string[];
  readonly admin: boolean;
}

const COLUMNS = 'r.id, r.owner_id, r.department_id, r.until, r.phone_count, r.created_at, r.updated_at';

/** `$1` admin, `$2` user id, `$3` department id (or null), `$4` managed department ids. */
const visibleSql = `($1::boolean OR (r.department_id IS NULL AND r.owner_id = $2::uuid)
  OR r.department_id = $3::uuid OR r.department_id = ANY($4::uuid[]))`;

/** The pool hands timestamps back as text: rows with dates. */
const withDates = (r: ReservationRow): ReservationRow => ({
  ...r,
  until: new Date(r.until),
  created_at: new Date(r.created_at),
  updated_at: new Date(r.updated_at),
});

const viewerParams = (v: ReservationViewer) => [v.admin, v.userId, v.departmentId, [...v.managedDepartmentIds]];

/** Inserts a reservation of `phones` (distinct E.164 numbers) held by `departmentId` (null: the owner). */
export async function insertReservation(
  client: PoolClient,
  r: { id: string; ownerId: string; departmentId: string | null; until: Date; phones: readonly string[] },
): Promise<void> {
  await client.query(
    `INSERT INTO reservation (id, owner_id, department_id, until, phone_count, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, now(), now())`,
    [r.id, r.ownerId, r.departmentId, r.until, r.phones.length],
  );
  await client.query(
    `INSERT INTO reservation_phone (reservation_id, phone_e164) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
    [r.id, r.phones],
  );
}

/** The distinct numbers of a contact list the viewer may use (own, shared with its department, or any for an admin); null when it cannot see the list. */
export async function contactListPhones(
  pool: Pool,
  viewer: ReservationViewer,
  listId: string,
  max: number,
): Promise<string[] | null> {
  const { rows: lists } = await pool.query(
    `SELECT 1 FROM contact_list WHERE id = $1 AND ($2::boolean OR owner_id = $3 OR department_id = $4::uuid)`,
    [listId, viewer.admin, viewer.userId, viewer.departmentId],
  );
  if (lists.length === 0) return null;
  const { rows } = await pool.query<{ phone_e164: string }>(
    'SELECT DISTINCT phone_e164 FROM contact WHERE list_id = $1 LIMIT $2',
    [listId, max],
  );
  return rows.map((r) => r.phone_e164);
}

export async function findReservation(pool: Pool, viewer: ReservationViewer, id: string) {
  const { rows } = await pool.query<ReservationRow>(
    `SELECT ${COLUMNS} FROM reservation r WHERE ${visibleSql} AND r.id = $5`,
    [...viewerParams(viewer), id],
  );
  return rows[0] && withDates(rows[0]);
}

/** Up to `limit` + 1 of the viewer's reservations, newest first, after (created_at, id). */
export async function listReservations(
  pool: Pool,
  viewer: ReservationViewer,
  page: { limit: number; after?: { createdAt: Date; id: string } },
): Promise<ReservationRow[]> {
  const after = page.after ? `AND (r.created_at, r.id) < ($6::timestamptz, $7::uuid)` : '';
  const { rows } = await pool.query<ReservationRow>(
    `SELECT ${COLUMNS} FROM reservation r WHERE ${visibleSql} ${after}
     ORDER BY r.created_at DESC, r.id DESC LIMIT $5`,
    [...viewerParams(viewer), page.limit + 1, ...(page.after ? [page.after.createdAt, page.after.id] : [])],
  );
  return rows.map(withDates);
}

/** The reservation's numbers (at most `limit`), in order. */
export async function reservationPhones(pool: Pool, id: string, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ phone_e164: string }>(
    'SELECT phone_e164 FROM reservation_phone WHERE reservation_id = $1 ORDER BY phone_e164 LIMIT $2',
    [id, limit],
  );
  return rows.map((r) => r.phone_e164);
}

export async function setReservationUntil(pool: Pool, id: string, until: Date): Promise<void> {
  await pool.query('UPDATE reservation SET until = $2, updated_at = now() WHERE id = $1', [id, until]);
}

/**
 * Deletes the reservation and makes the contacts it held back due now (those still waiting
 * for exactly the time their skip said), so that other departments' campaigns call them at
 * their next claim instead of at `until`.
 */
export async function deleteReservation(client: PoolClient, id: string): Promise<void> {
  await client.query(
    `UPDATE campaign_contact c SET next_attempt_at = now()
     FROM policy_skip s, reservation r, reservation_phone p
     WHERE r.id = $1 AND p.reservation_id = r.id AND s.phone_e164 = p.phone_e164 AND s.code = 'reserved'
       AND s.retry_at = r.until AND c.id = s.campaign_contact_id AND c.state = 'waiting'
       AND c.next_attempt_at = s.retry_at`,
    [id],
  );
  await client.query('DELETE FROM reservation WHERE id = $1', [id]);
}

/**
 * Until when another holder keeps `phone` (the latest of their active reservations), or
 * undefined when none does: a reservation held by the caller's department, or (personal)
 * by the caller, does not count.
 */
export async function reservedElsewhereUntil(
  db: Pool | PoolClient,
  phone: string,
  holder: { ownerId: string; departmentId: string | null },
): Promise<Date | undefined> {
  const { rows } = await db.query<{ until: Date | string | null }>(
    `SELECT max(r.until) AS until FROM reservation_phone p JOIN reservation r ON r.id = p.reservation_id
     WHERE p.phone_e164 = $1 AND r.until > now()
       AND NOT (CASE WHEN r.department_id IS NULL THEN r.owner_id = $2::uuid
                     ELSE r.department_id IS NOT DISTINCT FROM $3::uuid END)`,
    [phone, holder.ownerId, holder.departmentId],
  );
  const until = rows[0]?.until;
  return until === null || until === undefined ? undefined : new Date(until);
}

/** Journals a rule's skip of an attempt (no call placed, attempt given back). */
export async function insertPolicySkip(
  db: Pool | PoolClient,
  skip: { campaignId: string; campaignContactId: string; phone: string; rule: string; code: string; retryAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO policy_skip (campaign_id, campaign_contact_id, phone_e164, rule, code, retry_at, at)
     VALUES ($1, $2, $3, $4, $5, $6, now())`,
    [skip.campaignId, skip.campaignContactId, skip.phone, skip.rule, skip.code, skip.retryAt],
  );
}
