/**
 * The `user` and `oauth_client` reads of authentication (auth/): is this account still
 * active, with which role, under a grant that still exists. Plain SQL on the pool, because
 * the token verifier runs them on every request and wants no identity map; entity CRUD of
 * users and clients stays with the ORM (api/users, api/clients, auth/accounts.ts).
 */
import type { Role } from './entities/index.js';
import type { Pool } from './sql.js';

/** An enabled machine client of an enabled owner, as oidc-provider's `Client` model needs it. */
export async function activeMachineClient(
  pool: Pool,
  clientId: string,
): Promise<{ id: string; secret_version: number } | undefined> {
  const { rows } = await pool.query<{ id: string; secret_version: number }>(
    `SELECT c.id, c.secret_version FROM oauth_client c JOIN "user" u ON u.id = c.owner_id
     WHERE c.id = $1 AND NOT c.disabled AND NOT u.disabled`,
    [clientId],
  );
  return rows[0];
}

/**
 * An enabled machine client with its effective role: never more than its owner has now
 * (F20), so an admin client of a demoted owner acts as a user.
 */
/** The owner's department and the departments it manages (issue 25), read with the account on every request. */
interface DepartmentColumns {
  department_id: string | null;
  managed_department_ids: string[];
}
const MANAGED_DEPARTMENTS = `ARRAY(SELECT m.department_id::text FROM department_manager m WHERE m.user_id = u.id ORDER BY 1)`;

export async function machineClientWithOwner(
  pool: Pool,
  clientId: string,
): Promise<(DepartmentColumns & { id: string; role: Role; owner_id: string; username: string }) | undefined> {
  const { rows } = await pool.query<DepartmentColumns & { id: string; role: Role; owner_id: string; username: string }>(
    `SELECT c.id, CASE WHEN c.role = 'admin' AND u.role = 'admin' THEN 'admin' ELSE 'user' END AS role,
       c.owner_id, u.username, u.department_id, ${MANAGED_DEPARTMENTS} AS managed_department_ids
     FROM oauth_client c JOIN "user" u ON u.id = c.owner_id
     WHERE c.id = $1 AND NOT c.disabled AND NOT u.disabled`,
    [clientId],
  );
  return rows[0];
}

/** An enabled user whose grant `grantId` still exists and has not expired. */
export async function grantedUser(
  pool: Pool,
  userId: string,
  grantId: string,
): Promise<(DepartmentColumns & { id: string; username: string; role: Role }) | undefined> {
  const { rows } = await pool.query<DepartmentColumns & { id: string; username: string; role: Role }>(
    `SELECT u.id, u.username, u.role, u.department_id, ${MANAGED_DEPARTMENTS} AS managed_department_ids
     FROM "user" u
     WHERE u.id = $1 AND NOT u.disabled AND EXISTS (
       SELECT 1 FROM oidc_payload g WHERE g.model = 'Grant' AND g.id = $2
         AND g.account_id = u.id::text AND (g.expires_at IS NULL OR g.expires_at > now()))`,
    [userId, grantId],
  );
  return rows[0];
}

/** True while the user is enabled and still has the password hash a login checked. */
export async function passwordStillCurrent(pool: Pool, userId: string, passwordHash: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM "user" WHERE id = $1 AND password_hash = $2 AND NOT disabled', [
    userId,
    passwordHash,
  ]);
  return rows.length === 1;
}
