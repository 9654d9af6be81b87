/**
 * `department`, `department_manager`, `user.department_id` and the `department_id` share
 * column of the six shareable tables (issue 25), as the departments and sharing API changes
 * them: set-based statements and the membership lock. One department is read, created and
 * changed through the ORM (db/entities/department.entity.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Pool, PoolClient } from './sql.js';

/** The tables whose rows an owner may share with their department (migration 20261208000100). */
export const SHARED_TABLES = [
  'sip_trunk',
  'audio_message',
  'contact_list',
  'campaign',
  'blocklist',
  'webhook',
] as const;

/** The department `userId` belongs to now; null when none (or no such user). */
export async function departmentOfUser(db: Pool | PoolClient, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ department_id: string | null }>('SELECT department_id FROM "user" WHERE id = $1', [
    userId,
  ]);
  return rows[0]?.department_id ?? null;
}

/**
 * Locks the user's row for a membership change and returns its department (undefined: no
 * such user), so that two concurrent moves of one user run one after the other.
 */
export async function lockMembership(
  client: PoolClient,
  userId: string,
): Promise<{ departmentId: string | null } | undefined> {
  const { rows } = await client.query<{ department_id: string | null }>(
    'SELECT department_id FROM "user" WHERE id = $1 FOR UPDATE',
    [userId],
  );
  return rows[0] === undefined ? undefined : { departmentId: rows[0].department_id };
}

/** Puts the user in `departmentId` (null: in none). */
export async function setMembership(client: PoolClient, userId: string, departmentId: string | null): Promise<void> {
  await client.query('UPDATE "user" SET department_id = $2 WHERE id = $1', [userId, departmentId]);
}

/**
 * Un-shares everything `ownerId` shared: sharing follows the owner, so when they join, move or
 * leave, nothing of theirs stays shared with a department they are no longer in. Returns how
 * many objects were un-shared.
 */
export async function unshareOwnedBy(client: PoolClient, ownerId: string): Promise<number> {
  let total = 0;
  for (const table of SHARED_TABLES) {
    const { rowCount } = await client.query(
      `UPDATE ${table} SET department_id = NULL WHERE owner_id = $1 AND department_id IS NOT NULL`,
      [ownerId],
    );
    total += rowCount ?? 0;
  }
  return total;
}

/**
 * Deletes a department with what refers to it: every object shared with it is un-shared
 * (the share columns have no foreign key), its members belong to none, its managers' rows go.
 * False when there was no such department.
 */
export async function deleteDepartment(client: PoolClient, departmentId: string): Promise<boolean> {
  // The department, then its members, then their objects: the order membership changes and
  // shares take their locks in, so none of them deadlocks with a delete.
  const { rowCount: found } = await client.query('SELECT 1 FROM department WHERE id = $1 FOR UPDATE', [departmentId]);
  if (!found) return false;
  await client.query('SELECT 1 FROM "user" WHERE department_id = $1 ORDER BY id FOR UPDATE', [departmentId]);
  for (const table of SHARED_TABLES) {
    await client.query(`UPDATE ${table} SET department_id = NULL WHERE department_id = $1`, [departmentId]);
  }
  await client.query('UPDATE "user" SET department_id = NULL WHERE department_id = $1', [departmentId]);
  const { rowCount } = await client.query('DELETE FROM department WHERE id = $1', [departmentId]);
  return Boolean(rowCount);
}

/** Makes `userId` a manager of `departmentId` (idempotent). */
export async function addManager(client: Pool | PoolClient, departmentId: string, userId: string): Promise<void> {
  await client.query('INSERT INTO department_manager (department_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    departmentId,
    userId,
  ]);
}

/** Takes `userId` off the managers of `departmentId`; false when they were not one. */
export async function removeManager(client: Pool | PoolClient, departmentId: string, userId: string): Promise<boolean> {
  const { rowCount } = await client.query('DELETE FROM department_manager WHERE department_id = $1 AND user_id = $2', [
    departmentId,
    userId,
  ]);
  return Boolean(rowCount);
}

/** The departments (id, name) among `ids`, for `GET /me`. */
export async function departmentNames(db: Pool, ids: readonly string[]): Promise<{ id: string; name: string }[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: string; name: string }>(
    'SELECT id, name FROM department WHERE id = ANY($1::uuid[]) ORDER BY name',
    [ids],
  );
  return rows;
}

/**
 * Takes a share lock on the department's row until the end of the caller's transaction (so
 * it is not deleted under a membership change); false when there is no such department.
 */
export async function lockDepartment(client: PoolClient, departmentId: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM department WHERE id = $1 FOR SHARE', [departmentId]);
  return Boolean(rowCount);
}

/**
 * The department of `userId`, its row share-locked until the end of `em`'s transaction: a
 * share made under it cannot interleave with a membership change (which locks the row for
 * update and un-shares the user's objects), so nothing stays shared with a department the
 * owner has left.
 */
export async function lockedDepartmentOfUser(em: EntityManager, userId: string): Promise<string | null> {
  const rows = await em.execute<{ department_id: string | null }[]>(
    'SELECT department_id FROM "user" WHERE id = ? FOR SHARE',
    [userId],
  );
  return rows[0]?.department_id ?? null;
}
