import { isAdmin, type Principal } from '../auth/principal.js';
import { ForbiddenError, NotFoundError } from '../lib/errors.js';

/**
 * Owned resources (trunks, audio, contact lists, campaigns, blocklist entries, webhooks,
 * calls): the owner sees and changes its own, an administrator sees all of them. Members of a
 * department also see (and may use) what another member shared with it (`department_id`,
 * issue 25, docs/departments.md), but only the owner or an administrator changes it: 403 for
 * an object the caller sees and may not change. Anything else is 404 — never 403 — so that
 * the existence of another owner's resource is not disclosed.
 */

/** A resource that can be shared with its owner's department. */
export interface Shareable {
  readonly owner: { readonly id: string };
  readonly departmentId?: string | null;
}

/**
 * The filter for a list or lookup of a shareable resource: none for an administrator; the
 * caller's own rows and those shared with their department for a member. The `$and` leaves
 * `$or` free for the keyset cursor (keyset-cursor.ts).
 */
export function ownerFilter(principal: Principal): object {
  if (isAdmin(principal)) return {};
  if (principal.departmentId === null) return { owner: principal.userId };
  return { $and: [{ $or: [{ owner: principal.userId }, { departmentId: principal.departmentId }] }] };
}

/** Whether `resource` is shared with the caller's department. */
export const sharedWith = (principal: Principal, resource: Shareable): boolean =>
  principal.departmentId !== null && resource.departmentId === principal.departmentId;

/**
 * Returns `resource` when the caller may see it (theirs, an admin, or shared with their
 * department); throws 404 naming `what` (e.g. `Trunk 4f…`) otherwise.
 */
export function readableBy<T extends Shareable>(principal: Principal, resource: T | null, what: string): T {
  if (resource === null) throw new NotFoundError(what);
  if (isAdmin(principal) || resource.owner.id === principal.userId || sharedWith(principal, resource)) return resource;
  throw new NotFoundError(what);
}

/**
 * Returns `resource` when the caller may change it (theirs, or an admin); 403 when they only
 * see it because it is shared with their department, 404 when they do not see it.
 */
export function changeableBy<T extends Shareable>(principal: Principal, resource: T | null, what: string): T {
  const seen = readableBy(principal, resource, what);
  if (!isAdmin(principal) && seen.owner.id !== principal.userId) {
    throw new ForbiddenError(`${what} is shared with your department; only its owner can change it.`);
  }
  return seen;
}

/**
 * Owner-only access to a resource that is not shared (calls, a campaign's journal): returns
 * `resource` when the caller owns it or is an administrator; 404 naming `what` otherwise.
 */
export function visibleTo<T>(principal: Principal, resource: T | null, ownerId: (r: T) => string, what: string): T {
  if (resource === null || (!isAdmin(principal) && ownerId(resource) !== principal.userId)) {
    throw new NotFoundError(what);
  }
  return resource;
}

/**
 * Whether a campaign of `ownerId` (in `departmentId`, null: none) may use `resource` (a trunk,
 * audio, a contact list): the owner's own, or shared with the owner's department — for an
 * administrator's change too, since a campaign runs with its owner's rights (review F21).
 */
export const usableBy =
  (ownerId: string, departmentId: string | null) =>
  (resource: Shareable): boolean =>
    resource.owner.id === ownerId || (departmentId !== null && resource.departmentId === departmentId);

/** What a service looks a resource up for: to read (shared ones too) or to change (owner or admin). */
export type Access = 'read' | 'change';
